import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The compiler is the test subject: each fixture is compiled on its own with the project's
// settings, and must compile, or fail with the expected error on the expected line.
const run = promisify(execFile);
const tsc = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/typing/${name}`, import.meta.url));
const FLAGS = [
  '--ignoreConfig',
  '--noEmit',
  '--strict',
  '--target',
  'es2023',
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--experimentalDecorators',
  '--types',
  'node',
  '--skipLibCheck',
];

async function compile(name: string): Promise<string> {
  try {
    await run(tsc, [...FLAGS, fixture(name)]);
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('typed client (compile-time)', () => {
  it('correct usage compiles', async () => {
    expect(await compile('ok.ts')).toBe('');
  });

  it.each([
    ['wrong-input.ts', 5, "Type 'number' is not assignable to type 'string'"],
    ['wrong-output.ts', 6, "Type 'number' is not assignable to type 'string'"],
    ['wrong-handler.ts', 6, "Type 'string' is not assignable to type 'number'"],
    ['wrong-method.ts', 5, "Property 'refund' does not exist"],
    ['wrong-event.ts', 5, "Type 'number' is not assignable to type 'string'"],
  ])('%s does not compile', async (name, line, message) => {
    const output = await compile(name);
    expect(output).toContain(`${name}(${line},`);
    expect(output).toContain(message);
  });
});
