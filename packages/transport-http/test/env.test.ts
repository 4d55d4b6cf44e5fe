// WHARF_* variables: code > environment > defaults, and a bad value named at start.
import { execFileSync } from 'node:child_process';
import { ConfigError, createApp, defineContract, implement } from '@wharf/core';
import { type HttpTransport, httpTransport } from '@wharf/transport-http';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

const ping = defineContract({
  name: 'ping',
  version: '1.0.0',
  methods: { ping: { input: z.object({}), output: z.object({ ok: z.boolean() }) } },
});
const service = implement(ping, { ping: async () => ({ ok: true }) });
const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

async function portOf(transport: HttpTransport) {
  const app = createApp({
    services: [service],
    transports: [transport],
    logger: { level: 'silent' },
    shutdown: { signals: false },
  });
  await app.start();
  const port = transport.port;
  const res = await fetch(`http://127.0.0.1:${port}/v1/ping/ping`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
  });
  const { ok } = (await res.json()) as { ok: boolean };
  await app.stop();
  return { port, ok };
}

describe('configuration from WHARF_* variables', () => {
  it('the environment sets what code leaves out; code wins', async () => {
    process.env.WHARF_HTTP_PORT = '0';
    process.env.WHARF_HTTP_PREFIX = '/api';
    const fromEnv = httpTransport();
    const app = createApp({
      services: [service],
      transports: [fromEnv],
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    await app.start();
    expect(fromEnv.port).toBeGreaterThan(0);
    expect(
      (
        await fetch(`http://127.0.0.1:${fromEnv.port}/api/v1/ping/ping`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(200);
    await app.stop();

    process.env.WHARF_HTTP_PORT = '1'; // would fail to bind: code's port must win
    delete process.env.WHARF_HTTP_PREFIX;
    await expect(portOf(httpTransport({ port: 0 }))).resolves.toMatchObject({ ok: true });
  });

  it('a bad value stops the app before it starts, naming the variable and what it expects', () => {
    process.env.WHARF_HTTP_PORT = 'eighty';
    const error = (() => {
      try {
        httpTransport();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('WHARF_HTTP_PORT');
    expect((error as Error).message).toBe(
      'WHARF_HTTP_PORT="eighty" cannot be used: expected a port, an integer from 0 to 65535 (port to listen on; default 3000, 0 for any free port)',
    );
    process.env.WHARF_HTTP_PORT = '3000';
    process.env.WHARF_DEFAULT_TIMEOUT_MS = 'soon';
    expect(() => createApp({ services: [service] })).toThrow(
      /^WHARF_DEFAULT_TIMEOUT_MS="soon" cannot be used: expected a duration/,
    );
  });

  it('logs are JSON when not on a terminal, readable with WHARF_LOG_FORMAT=pretty or on a terminal', () => {
    const program = `import { createApp } from '@wharf/core'; const app = createApp({ name: 'logs', shutdown: { signals: false } }); app.logger.info({ port: 3000 }, 'hello');`;
    const run = (env: Record<string, string>) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', program], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
    const json = run({});
    expect(JSON.parse(json.trim())).toMatchObject({ level: 30, name: 'logs', msg: 'hello', port: 3000 });
    const pretty = run({ WHARF_LOG_FORMAT: 'pretty' });
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}logs: hello port=3000\n$/);
    // On a real terminal (a pseudo-terminal from script(1)), with no variable: pretty and coloured.
    const tty = execFileSync(
      'script',
      ['-qec', `${process.execPath} --input-type=module -e "${program.replaceAll('"', '\\"')}"`, '/dev/null'],
      {
        env: { ...process.env, WHARF_LOG_FORMAT: '' },
        encoding: 'utf8',
      },
    );
    expect(tty).toContain('\x1b[32mINFO \x1b[0m logs: hello');
    expect(run({ WHARF_LOG_LEVEL: 'warn' })).toBe('');
  });
});
