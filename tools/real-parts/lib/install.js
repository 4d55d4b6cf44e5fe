// Installing what is missing: Debian packages in one apt-get run, and cached builds (Maven, Go)
// that are published to the cache only once complete, so an interrupted run never leaves half.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { has, run } from './proc.js';

/**
 * Installs the Debian packages that are not present, in one apt-get run (`apt-get update`
 * first). Needs root, or password-less sudo; otherwise throws with the command to run.
 * @param {readonly { pkg: string, present: () => boolean }[]} needs
 * @param {(line: string) => void} say
 */
export async function installPackages(needs, say) {
  const missing = [...new Set(needs.filter((n) => !n.present()).map((n) => n.pkg))];
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const sudo = !asRoot && has('sudo') ? ['sudo', '-n'] : [];
  if (!asRoot && sudo.length === 0) {
    throw new Error(`missing Debian packages; install them as root: apt-get install -y ${missing.join(' ')}`);
  }
  const started = Date.now();
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) =>
    sudo.length ? run(sudo[0], [...sudo.slice(1), 'apt-get', ...args], { env }) : run('apt-get', args, { env });
  await apt('update', '-qq');
  await apt('install', '-y', '-qq', '--no-install-recommends', ...missing);
  say(`installed ${missing.join(' ')} in ${seconds(started)}`);
}

/**
 * Builds something into the cache once: `build(tmpDir)` fills a temporary folder, which is then
 * renamed to `target`. Returns `target`. A later call with the same target does nothing.
 * @param {string} target
 * @param {(tmpDir: string) => Promise<void>} build
 */
export async function cached(target, build) {
  if (existsSync(target)) return target;
  const tmp = `${target}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

/** A short hash of every file under `dir` (names and contents): a cache key for a build. */
export function treeHash(dir) {
  const hash = createHash('sha256');
  const walk = (path) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (name === 'target') continue;
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(relative(dir, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}

/** "12.3 s" since `started`. */
export function seconds(started) {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}
