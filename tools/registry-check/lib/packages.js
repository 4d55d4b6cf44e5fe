// The packages a user installs: every workspace that is not private, packed as npm packs them,
// checked with publint and arethetypeswrong, and published to a registry.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** The repository's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `{ name, version, dir }` of every workspace that is published (not `private`). */
export function publishedWorkspaces() {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return root.workspaces
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, version: manifest.version, dir }));
}

/** Writes an npm user config that points at `url` and may publish there with `token`. */
export function writeNpmrc(file, url, token) {
  const host = url.replace(/^https?:/, '');
  writeFileSync(file, `registry=${url}\n${host}:_authToken=${token}\nfund=false\naudit=false\nupdate-notifier=false\n`);
  return file;
}

/** `npm pack` of every published workspace into `dest`, in one npm run; returns the tarball paths by name. */
export async function packAll(packages, dest) {
  const args = ['pack', '--json', '--pack-destination', dest, ...packages.flatMap((p) => ['-w', p.dir])];
  const { stdout } = await run('npm', args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const packed = JSON.parse(stdout);
  return new Map(packed.map((p) => [p.name, { file: join(dest, p.filename), files: p.files.map((f) => f.path), size: p.size }]));
}

/**
 * Repacks tarballs with one new version for all (and the `@wharf/*` dependencies between them
 * pinned to it), so each run publishes versions no cache has seen: `npm create` keeps what it
 * installed once by package and version, and would run an older create-wharf otherwise.
 */
export async function stampVersion(tarballs, version, dest) {
  const unpacked = [];
  for (const [name, tarball] of tarballs) {
    const dir = join(dest, 'unpacked', name.replace('/', '+'));
    mkdirSync(dir, { recursive: true });
    await run('tar', ['xzf', tarball.file, '-C', dir]);
    const file = join(dir, 'package', 'package.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    manifest.version = version;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(manifest[field] ?? {})) if (tarballs.has(dep)) manifest[field][dep] = version;
    }
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
    unpacked.push(join(dir, 'package'));
  }
  const out = join(dest, 'stamped');
  mkdirSync(out, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out, ...unpacked], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Map(
    JSON.parse(stdout).map((p) => [p.name, { file: join(out, p.filename), files: p.files.map((f) => f.path), size: p.size }]),
  );
}

/** Publishes one tarball with plain `npm publish`, as the `latest` version. */
export async function publish(tarball, npmrc) {
  await run('npm', ['publish', tarball, '--userconfig', npmrc, '--access', 'public', '--tag', 'latest'], {
    cwd: dirname(tarball),
  });
}

/** publint's messages about one tarball, formatted; empty when clean. */
export async function publintMessages(tarball) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const buffer = readFileSync(tarball);
  const tarballBytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: tarballBytes }, level: 'suggestion', strict: true });
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg)}`);
}

// The packages are ESM only ("type": "module", an `import` condition, Node >= 20.19), so the
// CommonJS and node10 resolutions are out of scope: the esm-only profile checks node16 and
// bundler resolution from ESM, which is what users compile with.
const ATTW_PROFILE = 'esm-only';

/** arethetypeswrong's problems with one tarball, as `kind (entrypoint, resolution)` lines; empty when clean. */
export async function attwProblems(tarball) {
  const bin = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');
  let stdout;
  try {
    ({ stdout } = await run(process.execPath, [bin, tarball, '--profile', ATTW_PROFILE, '--format', 'json', '--no-color'], {
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    // attw exits 1 when it finds a problem; its JSON is still on stdout.
    if (typeof error.stdout !== 'string' || error.stdout === '') throw error;
    stdout = error.stdout;
  }
  const report = JSON.parse(stdout);
  const ignored = new Set(['node10', 'node16-cjs']);
  return (report.analysis?.problems ?? [])
    .filter((p) => !('resolutionKind' in p) || !ignored.has(p.resolutionKind))
    .map(
      (p) =>
        `${p.kind}${p.entrypoint ? ` (${p.entrypoint}` : ''}${p.resolutionKind ? `, ${p.resolutionKind})` : p.entrypoint ? ')' : ''}`,
    );
}

export { ATTW_PROFILE };
