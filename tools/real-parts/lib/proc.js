// Running commands and background daemons: output captured into errors, daemons detached into
// their own process group with their output in a log file and their pid in a file.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs a command to completion; rejects with its last output lines when it fails.
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, user?: Account, timeoutMs?: number, log?: string }} [options]
 *   `log`: a file that receives the whole output (appended) instead of the console.
 * @returns {Promise<string>} stdout
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const out = [];
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs).unref() : undefined;
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      if (options.log) writeFileSync(options.log, `$ ${command} ${args.join(' ')}\n${text}\n`, { flag: 'a' });
      if (code === 0) return resolve(text);
      const tail = text.trim().split('\n').slice(-25).join('\n');
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new Error(`${command} ${args.join(' ')} ${how}${options.log ? ` (full output: ${options.log})` : ''}\n${tail}`));
    });
  });
}

/** True when `command` is on the PATH (or is an existing absolute path). */
export function has(command) {
  if (command.startsWith('/')) return existsSync(command);
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, command)));
}

/** @typedef {{ name: string, uid: number, gid: number, home: string }} Account */

/**
 * The system account a server must run as when we are root (PostgreSQL refuses to run as root),
 * or undefined when we are not root (then everything runs as the current user).
 * @param {string} name
 * @returns {Account | undefined}
 */
export function accountFor(name) {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`the system account "${name}" does not exist; its Debian package creates it`);
  const [, , uid, gid, , home] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
}

/** Gives `account` the files under `path` (no-op when not root). */
export function chownTree(path, account) {
  if (!account) return;
  execFileSync('chown', ['-R', `${account.uid}:${account.gid}`, path]);
}

/**
 * Starts a long-running server detached from this process, in its own process group, with stdout
 * and stderr appended to `logFile` and its pid written to `pidFile`. It outlives this command.
 * @param {{ command: string, args: readonly string[], logFile: string, pidFile: string,
 *   cwd?: string, env?: NodeJS.ProcessEnv, user?: Account }} spec
 */
export function startDaemon(spec) {
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
    });
    if (child.pid === undefined) throw new Error(`cannot start ${spec.command}`);
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** The pid recorded in `pidFile` when that process is still alive. */
export function livePid(pidFile) {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return pid > 0 && alive(pid) ? pid : undefined;
}

/** True while a process with this pid exists. */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Stops the daemon recorded in `pidFile`: SIGTERM to its process group, then SIGKILL after
 * `graceMs`. Resolves true when something was stopped.
 */
export async function stopDaemon(pidFile, graceMs = 20_000) {
  const pid = livePid(pidFile);
  if (pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  signalGroup(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) await sleep(100);
  if (alive(pid)) signalGroup(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
  rmSync(pidFile, { force: true });
  return true;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The last `lines` lines of a text file, or a note that it does not exist. */
export function tail(file, lines = 30) {
  if (!existsSync(file)) return `(no log at ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
