import { WharfError } from '@wharf/core/transport';

// Codes of errors that mean "the request did not get an answer from this peer": retryable elsewhere.
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** What an undici failure to reach `origin` means to the caller: a WharfError with a canonical code. */
export function networkError(error: unknown, origin: string): WharfError {
  const err = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new WharfError('DEADLINE_EXCEEDED', `${origin} did not answer in time (${code})`);
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new WharfError(
      'UNAVAILABLE',
      `Cannot reach ${origin} (${code}); it may be down or restarting, retry on another instance`,
    );
  }
  if (code === 'UND_ERR_ABORTED' || (error as Error)?.name === 'AbortError') {
    return new WharfError('CANCELLED', 'The call was cancelled');
  }
  if (code === 'UND_ERR_INVALID_ARG') {
    return new WharfError('INVALID_ARGUMENT', `The call cannot be sent to ${origin}: ${err.message ?? code}`);
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new WharfError('UNAVAILABLE', `${origin} ended the response early (${code})`);
  }
  return new WharfError('UNKNOWN', `HTTP call to ${origin} failed: ${err.message ?? String(error)}`);
}
