// A project outside the repository, in a temporary folder, whose npm points at the given registry:
// what a user has after `mkdir app && cd app`.
import { execFile } from 'node:child_process';
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
  return { dir, env, sh, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
