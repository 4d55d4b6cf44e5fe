// Options from WHARF_* environment variables: what a deployment changes (ports, hosts, broker
// URLs, log level, timeouts) without touching code. Code wins over the environment, the
// environment over defaults; a bad value stops the app at once with the variable named.

import { isIPv6 } from 'node:net';
import { MAX_TIMER_MS } from './idle-gate.js';

/**
 * How a variable's text becomes an option value. `ms` is a duration or `none` (no limit);
 * `duration` is for options that must have one (a shutdown wait, a delay).
 */
export type EnvKind = 'port' | 'host' | 'url' | 'string' | 'ms' | 'duration' | 'count' | 'level' | 'format';

/** One documented `WHARF_*` variable and the option it sets. */
export interface EnvVar {
  /** e.g. `WHARF_HTTP_PORT`. */
  readonly name: string;
  /** The option it sets, e.g. `port`. */
  readonly option: string;
  readonly kind: EnvKind;
  /** For a `count`: the largest value the option can take (a protocol field's size); default 2^53 − 1. */
  readonly max?: number;
  /** One line for docs/configuration.md. */
  readonly description: string;
}

/** A `WHARF_*` variable with a value that cannot be used; its message names the variable and what it expects. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const EXPECT: Record<EnvKind, string> = {
  port: 'a port, an integer from 0 to 65535',
  host: 'a host name or IP address, without scheme or port',
  url: 'a URL with a scheme, e.g. amqp://user:pass@host:5672',
  string: 'a non-empty string',
  ms: `a duration in milliseconds (an integer from 0 to ${MAX_TIMER_MS}), or "none"`,
  duration: `a duration in milliseconds (an integer from 0 to ${MAX_TIMER_MS})`,
  count: 'a positive integer',
  level: `one of ${LEVELS.join(', ')}`,
  format: 'pretty or json',
};

// Node timers cannot wait longer than MAX_TIMER_MS: a longer one fires at once (a drain cut off
// as it starts) or throws when armed (at stop, long after start) — so it is refused here.
function duration(value: string): number | undefined {
  const n = Number(value);
  return /^\d+$/.test(value) && n <= MAX_TIMER_MS ? n : undefined;
}

function parse(kind: EnvKind, text: string, max: number): unknown {
  const value = text.trim();
  switch (kind) {
    case 'port': {
      const n = Number(value);
      return /^\d+$/.test(value) && n <= 65535 ? n : undefined;
    }
    case 'count': {
      const n = Number(value);
      return /^\d+$/.test(value) && n > 0 && n <= max ? n : undefined;
    }
    case 'ms':
      return value === 'none' ? null : duration(value);
    case 'duration':
      return duration(value);
    case 'host':
      // A colon belongs only in an IPv6 address: `orders-1:3000` is a host with a port, which
      // would fail to bind, or be advertised as an address nobody can reach.
      return value !== '' && !/[\s/]/.test(value) && (!value.includes(':') || isIPv6(value)) ? value : undefined;
    case 'url':
      // `scheme://` is required: `new URL('rabbit:5672')` parses, with the host taken as the scheme.
      return /^[a-z][a-z0-9+.-]*:\/\/[^/\s]/i.test(value) && URL.canParse(value) ? value : undefined;
    case 'level':
      return LEVELS.includes(value) ? value : undefined;
    case 'format':
      return value === 'pretty' || value === 'json' ? value : undefined;
    default:
      return value === '' ? undefined : value;
  }
}

/**
 * The options the environment sets, by option name; a variable that is unset or empty sets
 * nothing. Throws ConfigError for a value that cannot be used.
 */
export function optionsFromEnv(vars: readonly EnvVar[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const v of vars) {
    const text = env[v.name];
    if (text === undefined || text === '') continue;
    const value = parse(v.kind, text, v.max ?? Number.MAX_SAFE_INTEGER);
    if (value === undefined) {
      throw new ConfigError(
        v.name,
        `${v.name}=${JSON.stringify(text)} cannot be used: expected ${EXPECT[v.kind]}${v.max === undefined ? '' : ` up to ${v.max}`} (${v.description})`,
      );
    }
    options[v.option] = value;
  }
  return options;
}

/** `options` with what the environment sets underneath: an option given in code (not undefined) wins. */
export function withEnv<T extends object>(options: T, vars: readonly EnvVar[], env: NodeJS.ProcessEnv = process.env): T {
  const merged: Record<string, unknown> = optionsFromEnv(vars, env);
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  return merged as T;
}

/** The app's own variables (`createApp`). */
export const APP_ENV: readonly EnvVar[] = [
  { name: 'WHARF_LOG_LEVEL', option: 'logLevel', kind: 'level', description: 'log level; default info (LOG_LEVEL is also read)' },
  {
    name: 'WHARF_LOG_FORMAT',
    option: 'logFormat',
    kind: 'format',
    description: 'pretty (readable, coloured) or json (one object a line); default pretty on a terminal, json otherwise',
  },
  {
    name: 'WHARF_DEFAULT_TIMEOUT_MS',
    option: 'defaultTimeoutMs',
    kind: 'ms',
    description: 'timeout of calls whose caller set none; default 30000; none for no limit',
  },
  {
    name: 'WHARF_SHUTDOWN_TIMEOUT_MS',
    option: 'shutdownTimeoutMs',
    kind: 'duration',
    description: 'longest wait for in-flight work on stop; default 10000',
  },
  {
    name: 'WHARF_DRAIN_DELAY_MS',
    option: 'drainDelayMs',
    kind: 'duration',
    description: 'time between turning not-ready and closing listeners; default 0',
  },
];
