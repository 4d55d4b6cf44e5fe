// WHARF_* values that look usable but are not: each must stop the app at once with a ConfigError
// naming the variable, never be accepted and fail late or silently.
import { APP_ENV, ConfigError, createApp } from '@wharf/core';
import { type EnvVar, optionsFromEnv } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';

const URL_VAR: EnvVar = { name: 'WHARF_TEST_URL', option: 'url', kind: 'url', description: 'a broker' };
const HOST_VAR: EnvVar = { name: 'WHARF_TEST_HOST', option: 'host', kind: 'host', description: 'an interface' };
const MS_VAR: EnvVar = { name: 'WHARF_TEST_TIMEOUT_MS', option: 'timeoutMs', kind: 'ms', description: 'a timeout' };

function configErrorOf(run: () => unknown): ConfigError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  return undefined;
}

const appWith = (env: NodeJS.ProcessEnv) => () => {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return createApp({ logger: { level: 'silent' }, shutdown: { signals: false } });
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
};

describe('WHARF_* values that cannot work', () => {
  it('a URL without "scheme://" (host:port) is refused, not taken as a URL whose scheme is the host', () => {
    for (const text of ['localhost:5672', 'rabbit:5672', 'orders-1:3000']) {
      const error = configErrorOf(() => optionsFromEnv([URL_VAR], { WHARF_TEST_URL: text }));
      expect(error?.variable, text).toBe('WHARF_TEST_URL');
      expect(error?.message).toMatch(/expected a URL with a scheme/);
    }
    expect(optionsFromEnv([URL_VAR], { WHARF_TEST_URL: 'amqp://guest:guest@rabbit:5672' })).toEqual({
      url: 'amqp://guest:guest@rabbit:5672',
    });
  });

  it('a duration longer than a Node timer can wait is refused (it would fire at once)', () => {
    const error = configErrorOf(() => optionsFromEnv([MS_VAR], { WHARF_TEST_TIMEOUT_MS: '3000000000' }));
    expect(error?.variable).toBe('WHARF_TEST_TIMEOUT_MS');
    expect(error?.message).toMatch(/2147483647/);
    expect(optionsFromEnv([MS_VAR], { WHARF_TEST_TIMEOUT_MS: '2147483647' })).toEqual({ timeoutMs: 2147483647 });
    expect(optionsFromEnv([MS_VAR], { WHARF_TEST_TIMEOUT_MS: 'none' })).toEqual({ timeoutMs: null });
  });

  it('WHARF_SHUTDOWN_TIMEOUT_MS too long for a timer stops createApp (it used to cut the drain off at once)', () => {
    const error = configErrorOf(appWith({ WHARF_SHUTDOWN_TIMEOUT_MS: '3000000000' }));
    expect(error?.variable).toBe('WHARF_SHUTDOWN_TIMEOUT_MS');
  });

  it('"none" where no limit is possible (shutdown, drain delay) is refused, not silently the default', () => {
    for (const name of ['WHARF_SHUTDOWN_TIMEOUT_MS', 'WHARF_DRAIN_DELAY_MS']) {
      const error = configErrorOf(appWith({ [name]: 'none' }));
      expect(error?.variable, name).toBe(name);
      expect(error?.message).not.toMatch(/"none"\)?\s*\(/);
    }
    // Where "none" means no limit, it still does.
    expect(optionsFromEnv(APP_ENV, { WHARF_DEFAULT_TIMEOUT_MS: 'none' })).toEqual({ defaultTimeoutMs: null });
  });

  it('a host with a port is refused (it failed at listen, or was advertised unreachable); IPv6 addresses pass', () => {
    for (const text of ['localhost:8080', 'orders-1:50051']) {
      expect(configErrorOf(() => optionsFromEnv([HOST_VAR], { WHARF_TEST_HOST: text }))?.variable, text).toBe('WHARF_TEST_HOST');
    }
    for (const text of ['::1', '0.0.0.0', 'orders-1', 'fe80::1']) {
      expect(optionsFromEnv([HOST_VAR], { WHARF_TEST_HOST: text }), text).toEqual({ host: text });
    }
  });

  it('a count beyond what its option can hold is refused, naming the bound (AMQP prefetch is 16-bit)', () => {
    const PREFETCH: EnvVar = {
      name: 'WHARF_TEST_PREFETCH',
      option: 'prefetch',
      kind: 'count',
      max: 65535,
      description: 'a prefetch',
    };
    expect(optionsFromEnv([PREFETCH], { WHARF_TEST_PREFETCH: '65535' })).toEqual({ prefetch: 65535 });
    const error = configErrorOf(() => optionsFromEnv([PREFETCH], { WHARF_TEST_PREFETCH: '70000' }));
    expect(error?.message).toMatch(/WHARF_TEST_PREFETCH="70000" cannot be used: expected a positive integer up to 65535/);
    const COUNT: EnvVar = { name: 'WHARF_TEST_LIMIT', option: 'limit', kind: 'count', description: 'a limit' };
    expect(configErrorOf(() => optionsFromEnv([COUNT], { WHARF_TEST_LIMIT: '100000000000000000000' }))?.variable).toBe(
      'WHARF_TEST_LIMIT',
    );
  });
});
