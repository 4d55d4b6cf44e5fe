// Every published package says which Node it runs on (`engines.node`); each of its runtime
// dependencies, and theirs, must accept that Node too — otherwise users on our oldest supported
// Node get EBADENGINE warnings from `npm install`, and an install with engine-strict fails
// (opossum 10 required Node 22 while @wharf/registry promised 20.19).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface LockEntry {
  readonly version?: string;
  readonly engines?: { readonly node?: string };
  readonly dependencies?: Record<string, string>;
  readonly optional?: boolean;
  readonly link?: boolean;
  readonly resolved?: string;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** Where npm resolves `name` from the package installed at `from`: its own node_modules, then each parent's. */
function locate(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
    const path = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[path] !== undefined) return path;
    if (dir === '') return undefined;
  }
}

/** The lock path of a workspace link's target (`node_modules/@wharf/core` → `packages/core`). */
const target = (path: string) => (lock.packages[path]?.link ? (lock.packages[path]?.resolved ?? path) : path);

/** Every package a workspace package needs at run time, with the Node versions each accepts. */
function runtimeTree(workspace: string): Map<string, string | undefined> {
  const seen = new Map<string, string | undefined>();
  const visit = (path: string) => {
    const entry = lock.packages[path];
    for (const name of Object.keys(entry?.dependencies ?? {})) {
      const found = locate(path, name);
      if (found === undefined) continue; // an optional platform package not installed here
      const real = target(found);
      if (seen.has(real)) continue;
      seen.set(real, lock.packages[real]?.engines?.node);
      visit(real);
    }
  };
  visit(workspace);
  return seen;
}

// Declared too high, knowingly: every version of these two @platformatic/kafka dependencies says
// Node >= 22.19 while @platformatic/kafka itself says >= 20.19.4, and the Kafka suite runs them on
// Node 20 in CI. Users on Node 20 see an EBADENGINE warning for them (docs/transports/kafka.md).
const KNOWN: Readonly<Record<string, string>> = {
  '@platformatic/dynamic-buffer': 'runs on Node 20 in the Kafka suite',
  '@platformatic/wasm-utils': 'runs on Node 20 in the Kafka suite',
};

const published = readdirSync(join(ROOT, 'packages'))
  .map((dir) => ({
    dir: `packages/${dir}`,
    manifest: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => manifest.private !== true);

describe('engines', () => {
  it.each(published.map((p) => [p.manifest.name as string, p] as const))(
    '%s: every runtime dependency accepts the oldest Node it promises',
    (_name, { dir, manifest }) => {
      const range = manifest.engines?.node as string | undefined;
      expect(range, `${manifest.name} has no engines.node`).toBeDefined();
      const oldest = semver.minVersion(range as string)?.version as string;
      const refusing = [...runtimeTree(dir)]
        .map(([path, node]) => [path.replace(/^.*node_modules\//, ''), node] as const)
        .filter(([name, node]) => node !== undefined && KNOWN[name] === undefined)
        .filter(([, node]) => !semver.satisfies(oldest, node as string, { includePrerelease: true }))
        .map(([name, node]) => `${name} wants Node ${node}`);
      expect(refusing, `${manifest.name} promises Node ${range}`).toEqual([]);
    },
  );
});
