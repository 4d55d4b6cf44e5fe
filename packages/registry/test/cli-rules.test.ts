// The command line on a registry whose routing rules would live only in the command's own process
// (Eureka without `&rules=etcd://…`, static): a rule written there reaches no caller, so `route`,
// `switch` and `drain` must refuse, not print the rule and exit 0.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@wharf/registry/package.json')), 'dist/cli.js');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, out: result.stdout, err: result.stderr };
}

describe('wharf-registry on a registry without a shared rule store', () => {
  for (const registry of ['static:greeter=http://127.0.0.1:9', 'eureka://127.0.0.1:9/eureka']) {
    it(`${registry.split(':')[0]}: switch, route and drain refuse with a usage error`, () => {
      for (const args of [
        ['switch', 'greeter', '2'],
        ['route', 'greeter', '--weights', '1=90,2=10'],
        ['drain', 'greeter-1', '--undo'],
      ]) {
        const { status, out, err } = run(...args, '--registry', registry);
        expect({ args, status, out }).toEqual({ args, status: 2, out: '' });
        expect(err).toContain('keeps no routing rules');
      }
    });
  }
});
