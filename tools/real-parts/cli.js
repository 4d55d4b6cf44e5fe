// tools/services: installs, starts, checks and stops the real parts the tests and examples use.
// Plain Node.js with no dependencies, so it runs on a bare machine before `npm install`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installPackages, seconds } from './lib/install.js';
import { logDir, STATE_DIR } from './lib/paths.js';
import { alive, livePid, sleep, tail } from './lib/proc.js';
import { PARTS, TOOLS } from './parts/index.js';

/** @typedef {import('./parts/part.js').Part} Part */
/** @typedef {import('./parts/part.js').Tool} Tool */

const USAGE = `Usage: tools/services <command> [NAME…]

  up [NAME…]      install what is missing and start what is not running (default: all)
  down [NAME…]    stop what tools/services started (default: all)
  status [NAME…]  address, a real protocol check and the log folder of each (exit 1 if one is down)
  env [NAME…]     the environment variables the tests read, as shell exports
  logs NAME       the end of a service's main log

Services: ${Object.keys(PARTS).join(', ')}
Tools:    ${Object.keys(TOOLS).join(', ')}
Data and logs: ${STATE_DIR} (WHARF_SERVICES_DIR); downloads and builds: WHARF_SERVICES_CACHE.`;

const [command, ...names] = process.argv.slice(2);

/** Splits NAME… into servers and tools; all of them when none is named. */
function select(list) {
  const unknown = list.filter((n) => !(n in PARTS) && !(n in TOOLS));
  if (unknown.length) {
    console.error(`unknown service ${unknown.join(', ')}\n\n${USAGE}`);
    process.exit(2);
  }
  const all = list.length === 0;
  return {
    parts: Object.values(PARTS).filter((p) => all || list.includes(p.name)),
    tools: Object.values(TOOLS).filter((t) => all || list.includes(t.name)),
  };
}

/** @param {Part} part */
const urlOf = (part) => process.env[part.env] || part.defaultUrl;

/** @param {Part} part */
const pointsElsewhere = (part) => Boolean(process.env[part.env]) && process.env[part.env] !== part.defaultUrl;

/** Resolves with the probe's detail, or undefined (and the reason) when it does not answer. */
async function check(part) {
  try {
    return { up: true, detail: await part.probe(urlOf(part)) };
  } catch (error) {
    const { message, cause } = /** @type {Error & { cause?: Error }} */ (error);
    return { up: false, detail: `${message.split('\n')[0]}${cause?.message ? ` (${cause.message})` : ''}` };
  }
}

/** The main log file of a part (its `logFile` may be a simple `*` glob). */
function mainLog(part) {
  const dir = logDir(part.name);
  if (!part.logFile.includes('*')) return join(dir, part.logFile);
  const [head, rest] = part.logFile.split('*');
  const match = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith(head ?? '') && f.endsWith(rest ?? '')) : undefined;
  return join(dir, match ?? part.logFile);
}

/** True when a server tools/services started earlier is still running (it may still be booting). */
function startedEarlier(part) {
  if (livePid(join(STATE_DIR, part.name, 'daemon.pid')) !== undefined) return true;
  const postmaster = join(STATE_DIR, part.name, 'data', 'postmaster.pid');
  if (!existsSync(postmaster)) return false;
  const pid = Number(readFileSync(postmaster, 'utf8').split('\n')[0]);
  return pid > 0 && alive(pid);
}

const say = (name) => (line) => console.log(`${name.padEnd(11)}${line}`);

async function up(list) {
  const started = Date.now();
  const { parts, tools } = select(list);
  const checks = await Promise.all(parts.map(check));
  /** @type {Part[]} */
  const todo = [];
  let failed = false;
  parts.forEach((part, i) => {
    const { up, detail } = checks[i];
    if (up) say(part.name)(`already running at ${urlOf(part)} — ${detail}`);
    else if (pointsElsewhere(part)) {
      say(part.name)(`${part.env}=${urlOf(part)} does not answer (${detail}); not starting a local one`);
      failed = true;
    } else todo.push(part);
  });
  const missingTools = tools.filter((t) => t.packages.some((p) => !p.present()));
  for (const tool of tools.filter((t) => !missingTools.includes(t))) say(tool.name)(`installed — ${tool.version()}`);
  if (todo.length === 0 && missingTools.length === 0) {
    console.log(`\nnothing to do: ${parts.length + tools.length} already running or installed (${seconds(started)})`);
    return failed ? 1 : 0;
  }

  const needs = [...todo, ...missingTools].flatMap((x) => x.packages.filter((p) => !p.present()));
  try {
    await installPackages(needs, say('apt'));
  } catch (error) {
    console.error(`cannot install packages: ${/** @type {Error} */ (error).message}`);
    return 1;
  }
  for (const tool of missingTools) say(tool.name)(`installed — ${tool.version()}`);

  const results = await Promise.all(todo.map((part) => bringUp(part)));
  failed ||= results.includes(false);
  console.log(`\n${failed ? 'some services failed to start' : 'all up'} (${seconds(started)})`);
  return failed ? 1 : 0;
}

/** Prepares, starts and waits for one part; prints what happened. */
async function bringUp(part) {
  const line = say(part.name);
  const started = Date.now();
  try {
    if (part.prepare) await part.prepare(line);
    const waitFrom = Date.now();
    if (startedEarlier(part)) line('started earlier and not answering yet; waiting for it');
    else await part.start();
    const deadline = waitFrom + part.startTimeoutMs;
    let last = await check(part);
    while (!last.up && Date.now() < deadline) {
      await sleep(250);
      last = await check(part);
    }
    if (!last.up) throw new Error(`did not answer within ${part.startTimeoutMs / 1000} s: ${last.detail}`);
    line(`started at ${urlOf(part)} in ${seconds(started)} — ${last.detail}`);
    return true;
  } catch (error) {
    const log = mainLog(part);
    line(`FAILED: ${/** @type {Error} */ (error).message}\n--- last lines of ${log}\n${tail(log)}\n---`);
    return false;
  }
}

async function down(list) {
  const { parts } = select(list);
  await Promise.all(
    parts.map(async (part) => {
      const stopped = await part.stop().catch((error) => {
        say(part.name)(`could not stop: ${error.message}`);
        return false;
      });
      if (stopped) say(part.name)('stopped');
      else if ((await check(part)).up)
        say(part.name)(`answers at ${urlOf(part)} but was not started by tools/services; left alone`);
      else say(part.name)('not running');
    }),
  );
  return 0;
}

async function status(list) {
  const { parts, tools } = select(list);
  const checks = await Promise.all(parts.map(check));
  const rows = parts.map((part, i) => [
    part.name,
    `${part.env}=${urlOf(part)}`,
    checks[i].up ? 'up' : 'DOWN',
    checks[i].detail,
    logDir(part.name),
  ]);
  for (const tool of tools) {
    const installed = tool.packages.every((p) => p.present());
    rows.push([
      tool.name,
      '(command-line tool)',
      installed ? 'installed' : 'MISSING',
      installed ? tool.version() : `tools/services up ${tool.name}`,
      '',
    ]);
  }
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) {
    console.log(
      `${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2].padEnd(widths[2])}  ${row[3]}${row[4] ? `  (log: ${row[4]})` : ''}`,
    );
  }
  const down = checks.some((c) => !c.up) || tools.some((t) => t.packages.some((p) => !p.present()));
  return down ? 1 : 0;
}

function env(list) {
  for (const part of select(list).parts)
    console.log(`export ${part.env}=${JSON.stringify(urlOf(part))}  # ${part.title}: ${part.purpose}`);
  return 0;
}

function logs(list) {
  const part = list.length === 1 ? PARTS[/** @type {keyof typeof PARTS} */ (list[0])] : undefined;
  if (!part) {
    console.error(`logs takes one service name: ${Object.keys(PARTS).join(', ')}`);
    return 2;
  }
  const log = mainLog(part);
  console.log(`${log}\n${tail(log, 60)}`);
  return 0;
}

const commands = { up, down, status, env, logs };
const run = commands[/** @type {keyof typeof commands} */ (command)];
if (!run) {
  console.log(USAGE);
  process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
}
process.exitCode = await run(names);
