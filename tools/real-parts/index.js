// For tests: where each real part is (its environment variable, or the loopback default), and
// whether it answers — under CI a missing part fails loudly, locally its tests skip with the
// command that starts it.
import { join } from 'node:path';
import { logDir, STATE_DIR } from './lib/paths.js';
import { PARTS } from './parts/index.js';

export { loadUntilExit } from './load.js';

/** @param {keyof typeof PARTS} name */
function partOf(name) {
  const part = PARTS[name];
  if (!part) throw new Error(`unknown service "${name}"; known: ${Object.keys(PARTS).join(', ')}`);
  return part;
}

/** The address tests use for `name`: its environment variable, or the loopback default. */
export function serviceUrl(name) {
  const part = partOf(name);
  return process.env[part.env] || part.defaultUrl;
}

/** The folder with the logs of a service tools/services started. */
export function serviceLogDir(name) {
  return logDir(partOf(name).name);
}

/** Where tests drop Prometheus scrape targets (file_sd JSON) and rule files before POST /-/reload. */
export function prometheusDirs() {
  const root = join(STATE_DIR, 'prometheus');
  return { targets: join(root, 'targets'), rules: join(root, 'rules') };
}

/** @type {Map<string, Promise<{ up: boolean, detail: string }>>} */
const answers = new Map();

/**
 * True when `name` answers a real protocol check at its address. Under CI (`CI` set) a part that
 * does not answer throws, naming the command that starts it and its logs; locally the caller
 * skips, and a warning says how to start it.
 * @param {keyof typeof PARTS} name
 * @param {string} what the tests that need it, for the message
 */
export async function requireService(name, what) {
  const part = partOf(name);
  const url = serviceUrl(name);
  let answer = answers.get(`${name} ${url}`);
  if (!answer) {
    answer = part.probe(url).then(
      (detail) => ({ up: true, detail }),
      (error) => ({ up: false, detail: error.message.split('\n')[0] }),
    );
    answers.set(`${name} ${url}`, answer);
  }
  const { up, detail } = await answer;
  if (up) return true;
  const start = process.env[part.env] ? `start it, or unset ${part.env}` : `start it with \`tools/services up ${name}\``;
  if (process.env.CI) {
    throw new Error(
      `${part.title} is required under CI but ${part.env}=${url} does not answer (${detail}): ${start}; its logs are in ${serviceLogDir(name)}`,
    );
  }
  console.warn(`Skipping ${what}: ${part.title} does not answer at ${url} (${detail}); ${start}.`);
  return false;
}

/**
 * Runs the protocol check of `name` against `url` (not necessarily its configured address):
 * resolves with what it found, rejects with why it is not that service.
 * @param {keyof typeof PARTS} name
 * @param {string} url
 */
export function probeService(name, url) {
  return partOf(name).probe(url);
}
export { deleteAmqpNamespace } from './amqp-cleanup.js';
export { portForLater } from './ports.js';
export { startPrivateKafka } from './private-kafka.js';
