/** The canonical error codes: gRPC's 16 non-OK status codes, used by every Wharf transport. */
export const ERROR_CODES = [
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** One of the 16 canonical error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

// OUT_OF_RANGE is 400, as in Google's API design guide: it is a caller's mistake, not a fault.
// In core rather than the HTTP transport: the gateway, the HTTP client and users' own HTTP
// adapters need the same table (docs/design.md). docs/errors.md shows it; a test keeps them equal.
const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 412,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `value` is one of the 16 canonical codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

/** The HTTP status a code maps to (see docs/errors.md). */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** The numeric gRPC status of a code (CANCELLED = 1 … UNAUTHENTICATED = 16). */
export function grpcStatusOf(code: ErrorCode): number {
  return ERROR_CODES.indexOf(code) + 1;
}

/** The code for a numeric gRPC status; anything outside 1–16 is UNKNOWN. */
export function codeFromGrpcStatus(status: number): ErrorCode {
  return ERROR_CODES[status - 1] ?? 'UNKNOWN';
}

/**
 * The code for an HTTP status from a peer that did not send a Wharf error body (a proxy, a load
 * balancer, a server of another stack). The inverse of the table in docs/errors.md where it is
 * one-to-one, plus what such peers commonly send: 408 and 504 are DEADLINE_EXCEEDED, 413/414/431
 * RESOURCE_EXHAUSTED, 502/503 UNAVAILABLE (so they are retried like any unavailability); any other
 * status is UNKNOWN rather than a guess.
 */
export function codeFromHttpStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 415:
    case 422:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 405:
    case 501:
      return 'UNIMPLEMENTED';
    case 408:
    case 504:
      return 'DEADLINE_EXCEEDED';
    case 409:
      return 'ABORTED';
    case 412:
      return 'FAILED_PRECONDITION';
    case 413:
    case 414:
    case 429:
    case 431:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 500:
      return 'INTERNAL';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    default:
      return 'UNKNOWN';
  }
}

/** One invalid field: where it is (`items[0].qty`) and what is wrong with it. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
  /** Machine-readable reason, e.g. zod's issue code (`too_big`). */
  readonly code?: string;
}

/** Structured, JSON-serialisable error details. `fieldViolations` is set on validation errors. */
export interface ErrorDetails {
  readonly fieldViolations?: readonly FieldViolation[];
  readonly [key: string]: unknown;
}

/** The transport-neutral wire form of an error: what every transport carries, in its own carrier. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: ErrorDetails;
}

const BRAND = Symbol.for('wharf.error');

/**
 * The one error type of Wharf. Throw it from a handler and the caller receives the same code,
 * message and details, over any transport.
 */
export class WharfError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  override get name(): string {
    return 'WharfError';
  }

  /** The HTTP status this error answers with. */
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** The numeric gRPC status this error answers with. */
  get grpcStatus(): number {
    return grpcStatusOf(this.code);
  }

  /** The wire form: code, message and details; never a stack or a cause. */
  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  toJSON(): WireError {
    return this.toWire();
  }

  /**
   * Rebuilds an error from its wire form. A malformed body becomes UNKNOWN rather than throwing,
   * since it comes from a peer we cannot trust to be well-formed.
   */
  static fromWire(wire: unknown): WharfError {
    if (typeof wire !== 'object' || wire === null) {
      return new WharfError('UNKNOWN', 'The peer answered with a malformed error');
    }
    const { code, message, details } = wire as Record<string, unknown>;
    return new WharfError(
      isErrorCode(code) ? code : 'UNKNOWN',
      typeof message === 'string' ? message : 'The peer answered with an error without a message',
      typeof details === 'object' && details !== null && !Array.isArray(details) ? (details as ErrorDetails) : undefined,
    );
  }

  /** True for any WharfError, even one created by another copy of this package. */
  static is(value: unknown): value is WharfError {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
  }
}

Object.defineProperty(WharfError.prototype, BRAND, { value: true });

/**
 * Turns anything thrown into a WharfError. Unknown exceptions become INTERNAL with a generic
 * message; the original is kept only as `cause`, which no transport puts on the wire.
 */
export function toWharfError(error: unknown, internalMessage = 'Internal error'): WharfError {
  if (WharfError.is(error)) return error;
  return new WharfError('INTERNAL', internalMessage, undefined, { cause: error });
}

/** @internal The error rebuilt from its wire form, exactly as a remote caller would receive it. */
export function throughWire(error: unknown): WharfError {
  return WharfError.fromWire(toWharfError(error).toWire());
}
