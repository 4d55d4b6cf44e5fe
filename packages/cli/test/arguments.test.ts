// The wharf command given arguments it cannot use: a usage error (exit 2, the usage text), never a
// silent success, an internal error code, or a call that was not made.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const execFileAsync = promisify(execFile);

async function wharf(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('wharf with arguments it cannot use', () => {
  it('an --address without a scheme is a usage error, not "undefined" and exit 0', async () => {
    const result = await wharf('call', 'greeter.greet', '{}', '--address', '127.0.0.1:3000');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--address/);
    expect(result.stderr).toMatch(/http:\/\/127\.0\.0\.1:3000/);
  });

  it('an unknown option is a usage error with the usage text, not an internal error code', async () => {
    const result = await wharf('call', 'greeter.greet', '--bogus');
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/ERR_PARSE_ARGS/);
    expect(result.stderr).toMatch(/Unknown option '--bogus'/);
    expect(result.stderr).toMatch(/wharf call SERVICE\.METHOD/);
  });

  it('wharf kafka … runs wharf-kafka, as the usage text says', async () => {
    const usage = await wharf('--help');
    expect(usage.stdout).toMatch(/wharf kafka/);
    const result = await wharf('kafka', '--help');
    expect(result.stdout).toMatch(/wharf-kafka dlq list <service>/);
  });
});
