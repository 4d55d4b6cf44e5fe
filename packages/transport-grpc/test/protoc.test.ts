// protoc (Debian's protobuf-compiler, installed by .ci/run) compiles every emitted .proto, and the
// hand-written fixture, without an error or a warning.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { protoFiles } from '@wharf/transport-grpc';
import { afterAll, describe, expect, it } from 'vitest';
import { everything, structures } from './contracts.js';

const version = spawnSync('protoc', ['--version'], { encoding: 'utf8' });
const available = version.status === 0;
if (!available && !process.env.CI) {
  console.warn('protoc is not installed; skipping protoc.test.ts. Install it with: tools/services up protoc');
}

/** Runs protoc on `files` under `root`; its status and everything it printed. */
function protoc(root: string, files: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(
    'protoc',
    [`-I${root}`, `--descriptor_set_out=${join(root, 'out.pb')}`, '--include_imports', ...files],
    {
      encoding: 'utf8',
    },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(!available && !process.env.CI)('protoc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-protoc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is installed (CI fails here when it is missing)', () => {
    expect(version.error, 'protoc is missing: tools/services up protoc').toBeUndefined();
    expect(version.stdout).toMatch(/^libprotoc \d+\./);
  });

  it('compiles every emitted .proto without errors or warnings', () => {
    const files = protoFiles([everything, structures]);
    expect(files.map((f) => f.path)).toEqual(['prop/v1/prop.proto', 'structures/v3/structures.proto']);
    for (const file of files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.content);
    }
    const result = protoc(
      dir,
      files.map((f) => f.path),
    );
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('compiles the hand-written fixture the binding tests use', () => {
    const root = fileURLToPath(new URL('./fixtures/proto', import.meta.url));
    const result = spawnSync('protoc', [`-I${root}`, `--descriptor_set_out=${join(dir, 'chat.pb')}`, 'acme/chat/v1/chat.proto'], {
      encoding: 'utf8',
    });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('would report a broken file (the check can fail)', () => {
    writeFileSync(join(dir, 'broken.proto'), 'syntax = "proto3";\nmessage A { string a = 1; int32 b = 1; }\n');
    const result = protoc(dir, ['broken.proto']);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/already been used/);
  });
});
