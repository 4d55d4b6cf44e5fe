// A project outside the repository, in a temporary folder, whose npm points at the given registry:
// what a user has after `mkdir app && cd app`.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Makes a folder under the system's temporary directory with an `.npmrc` naming `registry`, copies
 * `template` into it when given, and returns helpers that run commands there and log each with its
 * duration. `remove()` deletes the folder.
 */
export function newProject({ registry, template, log = () => {}, prefix = 'wharf-user-' }) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (template) cpSync(template, dir, { recursive: true });
  writeFileSync(join(dir, '.npmrc'), `registry=${registry}\nfund=false\naudit=false\nupdate-notifier=false\n`);
  const env = { ...process.env, npm_config_registry: registry, NO_COLOR: '1' };
  // npm run from inside the repository passes its own settings down; a user's shell has none of them.
  for (const key of Object.keys(env)) if (key.startsWith('npm_') && key !== 'npm_config_registry') delete env[key];
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  delete env.TEST;
  const sh = async (command, args, { cwd = dir, timeoutMs = 240_000, extraEnv } = {}) => {
    const started = Date.now();
    try {
      const { stdout, stderr } = await run(command, args, {
        cwd,
        env: { ...env, ...extraEnv },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      });
      log(`$ ${[command, ...args].join(' ')}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return { stdout, stderr };
    } catch (error) {
      log(`$ ${[command, ...args].join(' ')}  FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const detail = `${error.stdout ?? ''}\n${error.stderr ?? ''}`.trim().slice(-6000);
      throw new Error(`${[command, ...args].join(' ')} failed in ${cwd}: ${error.message.split('\n')[0]}\n${detail}`);
    }
  };
  /** Starts a long-running command in its own process group; `stop()` sends SIGTERM to the group and waits. */
  const start = (command, args, { cwd = dir, extraEnv } = {}) => {
    const child = spawn(command, args, { cwd, env: { ...env, ...extraEnv }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    log(`$ ${[command, ...args].join(' ')} &  (pid ${child.pid})`);
    return {
      output: () => output,
      exited,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          process.kill(-child.pid, 'SIGTERM');
          const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 15_000);
          const how = await exited;
          clearTimeout(timer);
          return how;
        }
        return exited;
      },
    };
  };
  return { dir, env, sh, start, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `url` until it answers 2xx; fails early with the program's output if it exits first. */
export async function waitForHttp(url, { timeoutMs = 60_000, exited, output = () => '' } = {}) {
  let gone = false;
  void exited?.then(() => (gone = true));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (gone) throw new Error(`The program exited before ${url} answered:\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output()}`);
}
