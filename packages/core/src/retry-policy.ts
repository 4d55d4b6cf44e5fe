// Shared by the event buses (AMQP, Kafka): one retry configuration, the same defaults everywhere.

import type { ErrorCode } from './errors.js';

/** How a failing event handler is retried before its event is dead-lettered. */
export interface RetryOptions {
  /** Attempts in all, the first included; default 5. 1 means: dead-letter on the first failure. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt; default 1 000 ms. */
  readonly initialDelayMs?: number;
  /** Each further delay is the previous one times this; default 3 (1 s, 3 s, 9 s, 27 s). */
  readonly factor?: number;
  /** Longest delay; default 60 000 ms. */
  readonly maxDelayMs?: number;
  /**
   * Error codes that mean the event itself is wrong, so a retry cannot help: it goes straight to
   * the dead-letter topic. Default INVALID_ARGUMENT, OUT_OF_RANGE, UNIMPLEMENTED.
   */
  readonly deadLetterCodes?: readonly ErrorCode[];
}

/** A resolved retry policy. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** `delays[n - 1]` is the wait after attempt `n` failed (n = 1 … maxAttempts − 1). */
  readonly delays: readonly number[];
  readonly deadLetterCodes: ReadonlySet<string>;
}

const DEFAULT_DEAD_LETTER_CODES: readonly ErrorCode[] = ['INVALID_ARGUMENT', 'OUT_OF_RANGE', 'UNIMPLEMENTED'];

/** Resolves retry options; throws on values that make no sense, naming the option. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const maxAttempts = options.maxAttempts ?? 5;
  const initial = options.initialDelayMs ?? 1_000;
  const factor = options.factor ?? 3;
  const max = options.maxDelayMs ?? 60_000;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new TypeError(`retry.maxAttempts must be an integer from 1 to 100, got ${maxAttempts}`);
  }
  if (!(initial >= 1) || !(factor >= 1) || !(max >= initial)) {
    throw new TypeError(
      `retry delays must satisfy initialDelayMs ≥ 1, factor ≥ 1 and maxDelayMs ≥ initialDelayMs (got ${initial}, ${factor}, ${max})`,
    );
  }
  const delays: number[] = [];
  for (let n = 1; n < maxAttempts; n++) delays.push(Math.round(Math.min(max, initial * factor ** (n - 1))));
  return { maxAttempts, delays, deadLetterCodes: new Set(options.deadLetterCodes ?? DEFAULT_DEAD_LETTER_CODES) };
}
