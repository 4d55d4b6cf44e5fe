import type { ErrorDetails } from '@wharf/core';
import { codeFromHttpStatus, ERROR_CODES, type ErrorCode, httpStatusOf, isErrorCode, WharfError } from '@wharf/core/transport';

/** The media type of every error body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Prefix of a problem's `type`; the canonical code follows: `urn:wharf:error:NOT_FOUND`. */
export const PROBLEM_TYPE_PREFIX = 'urn:wharf:error:';

/** An RFC 9457 problem as Wharf sends it: the standard members plus the canonical `code`. */
export interface Problem {
  /** `urn:wharf:error:<CODE>`. */
  readonly type: string;
  /** The code in words, e.g. `Not Found`. */
  readonly title: string;
  /** The HTTP status of the response. */
  readonly status: number;
  /** The error's message. */
  readonly detail: string;
  /** The canonical code; a Wharf client rebuilds the same WharfError from it. */
  readonly code: ErrorCode;
  /** Structured details, e.g. `fieldViolations` on INVALID_ARGUMENT. */
  readonly details?: ErrorDetails;
  /** The request id, as in the `x-request-id` response header. */
  readonly requestId?: string;
}

const TITLES = Object.fromEntries(
  ERROR_CODES.map((code) => [
    code,
    code
      .toLowerCase()
      .split('_')
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(' '),
  ]),
) as Readonly<Record<ErrorCode, string>>;

/**
 * The problem body for an error. `status` defaults to the code's status (see docs/errors.md); the
 * transport passes another for its own refusals (413, 415, 405). Never includes a stack or cause.
 */
export function problemOf(error: WharfError, status = httpStatusOf(error.code), requestId?: string): Problem {
  const problem: { -readonly [K in keyof Problem]: Problem[K] } = {
    type: PROBLEM_TYPE_PREFIX + error.code,
    title: TITLES[error.code],
    status,
    detail: error.message,
    code: error.code,
  };
  if (error.details !== undefined) problem.details = error.details;
  if (requestId !== undefined) problem.requestId = requestId;
  return problem;
}

/** True when `value` is a problem object that Wharf wrote (it has a canonical `code`). */
export function isWharfProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const { type, code } = value as Record<string, unknown>;
  return typeof type === 'string' && type.startsWith(PROBLEM_TYPE_PREFIX) && isErrorCode(code);
}

/**
 * Rebuilds the error a problem body describes. A problem without a canonical code (another
 * server's) maps its status with `codeFromHttpStatus`.
 */
export function errorFromProblem(body: unknown, status: number): WharfError {
  if (typeof body === 'object' && body !== null) {
    const { code, detail, title, details } = body as Record<string, unknown>;
    if (isErrorCode(code)) return WharfError.fromWire({ code, message: detail, details });
    const message = typeof detail === 'string' ? detail : typeof title === 'string' ? title : `HTTP ${status}`;
    return new WharfError(codeFromHttpStatus(status), message);
  }
  return new WharfError(codeFromHttpStatus(status), `HTTP ${status}`);
}
