// The committed greeter.proto is what the code generates (regenerate with the command below), and
// protoc compiles it without a warning.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { protoFiles } from '@wharf/transport-grpc';
import { describe, expect, it } from 'vitest';
import { greeter } from '../src/index.js';

const protoDir = fileURLToPath(new URL('../proto', import.meta.url));
const protoc = spawnSync('protoc', ['--version'], { encoding: 'utf8' });
// Locally protoc may be missing (the test is skipped with a note); in CI it must run.
const hasProtoc = protoc.status === 0 || Boolean(process.env.CI);
if (!hasProtoc) console.warn('protoc is not installed; skipping its check. Install it with: tools/services up protoc');
const REGENERATE = 'npm run build && npx wharf-proto examples/greeter/dist/index.js --out examples/greeter/proto';

describe('greeter.proto', () => {
  it('is up to date with the code', () => {
    const [file] = protoFiles([greeter]);
    expect(file?.path).toBe('greeter/v1/greeter.proto');
    const committed = readFileSync(`${protoDir}/${file?.path}`, 'utf8');
    expect(committed, `examples/greeter/proto is out of date; run: ${REGENERATE}`).toBe(file?.content);
  });

  it.skipIf(!hasProtoc)('compiles with protoc without errors or warnings (protoc is installed in CI)', () => {
    const result = spawnSync('protoc', [`-I${protoDir}`, '--descriptor_set_out=/dev/null', 'greeter/v1/greeter.proto'], {
      encoding: 'utf8',
    });
    expect(result.error, 'protoc is missing: tools/services up protoc').toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
