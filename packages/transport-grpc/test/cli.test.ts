// wharf-proto: writes the .proto files of a module's contracts and services; --check fails when stale.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { protoFiles } from '@wharf/transport-grpc';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@wharf/transport-grpc/package.json')), 'dist', 'cli.js');
// Inside the repository, so the entry module resolves @wharf/core and zod as a user's module would.
const cache = fileURLToPath(new URL('../../../node_modules/.cache/', import.meta.url));
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'wharf-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = join(dir, 'entry.mjs');
writeFileSync(
  entry,
  `import { defineContract, defineService } from '@wharf/core';
import * as z from 'zod';
export const greeter = defineContract({ name: 'hello', version: '2.0.0', methods: { hi: { input: z.object({ name: z.string() }), output: z.object({ text: z.string() }) } } });
export const services = [defineService({ name: 'other', version: 1, rpc: { ping: { input: z.object({}), output: z.object({}), handler: async () => ({}) } } })];
export const notAService = { name: 'x' };
`,
);

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('wharf-proto', () => {
  it('prints its usage', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: wharf-proto <module> \[--out <dir>\] \[--check\]/);
  });

  it('writes one .proto per exported contract or service, exactly as protoFiles renders them', async () => {
    const out = join(dir, 'proto');
    const result = run(entry, '--out', out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([join(out, 'hello/v2/hello.proto'), join(out, 'other/v1/other.proto')]);
    const module = (await import(entry)) as { greeter: Parameters<typeof protoFiles>[0][number] };
    expect(readFileSync(join(out, 'hello/v2/hello.proto'), 'utf8')).toBe(protoFiles([module.greeter])[0]?.content);
  });

  it('--check passes when the files are current and fails naming a stale one', () => {
    const out = join(dir, 'checked');
    expect(run(entry, '--out', out, '--check').status).toBe(1);
    run(entry, '--out', out);
    expect(run(entry, '--out', out, '--check')).toMatchObject({ status: 0, stderr: '' });
    writeFileSync(join(out, 'hello/v2/hello.proto'), 'stale');
    const stale = run(entry, '--out', out, '--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`${join(out, 'hello/v2/hello.proto')}: out of date`);
  });

  it('fails clearly for a module without services', () => {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const nothing = 1;\n');
    const result = run(empty);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/exports no contract or service definition/);
  });
});
