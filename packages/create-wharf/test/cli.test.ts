// `npm create wharf` given what a user may type: every mistake is a clear error before anything
// is written, and the next steps it prints work when pasted into a shell.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const execFileAsync = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'create-wharf-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function create(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { cwd: root, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm create wharf, from the command line', () => {
  it('two folder names (an unquoted name with a space) are refused, not half used', async () => {
    const result = await create('my', 'shop');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/one folder/i);
    expect(existsSync(join(root, 'my'))).toBe(false);
  });

  it('a template name that is an Object property (toString) is an unknown template, and nothing is written', async () => {
    const result = await create('--template', 'toString', 'proto');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Unknown template "toString": use one of service, services/);
    expect(result.stderr).not.toMatch(/ENOENT|templates\//);
    expect(existsSync(join(root, 'proto'))).toBe(false);
  });

  it('a file where the folder should go is named as such', async () => {
    writeFileSync(join(root, 'taken.txt'), 'x');
    const result = await create('taken.txt');
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/ENOTDIR/);
    expect(result.stderr).toMatch(/is a file/);
  });

  it('the printed cd works for a folder name with a space', async () => {
    const result = await create('My Shop');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`cd 'My Shop'`);
  });
});
