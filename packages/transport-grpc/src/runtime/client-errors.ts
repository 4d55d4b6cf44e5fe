// How an outbound call fails, as the caller sees it: always a WharfError saying which call and why.
import { type ServiceError, status } from '@grpc/grpc-js';
import { type OutboundCall, type RpcRef, stoppedCallError, WharfError } from '@wharf/core/transport';
import { EncodeError } from '../schema/codec/value-codec.js';
import type { MethodWire } from '../schema/method-wire.js';
import { errorOf } from './status.js';

/** An input the client could not send (message `index` of a stream): INVALID_ARGUMENT when it does not fit, else CANCELLED. */
export function inputError(ref: RpcRef, error: unknown, index?: number): WharfError {
  if (WharfError.is(error)) return error;
  if (error instanceof EncodeError) {
    const at = index === undefined ? error.where : `[${index}]${error.where === '(root)' ? '' : `.${error.where}`}`;
    return new WharfError('INVALID_ARGUMENT', `Invalid input for ${ref.fullName}: ${at}: ${error.message}`, {
      fieldViolations: [{ field: at, description: error.message, code: 'invalid_type' }],
    });
  }
  return new WharfError(
    'CANCELLED',
    `The input stream of ${ref.fullName} failed: ${(error as Error)?.message ?? String(error)}`,
    undefined,
    {
      cause: error,
    },
  );
}

/** grpc-js refused to start a call (e.g. its channel is shut down). */
export function startError(outbound: OutboundCall, error: unknown): WharfError {
  return new WharfError(
    'UNAVAILABLE',
    `Cannot start the gRPC call to ${outbound.ref.fullName}: ${(error as Error)?.message ?? String(error)}`,
    undefined,
    {
      cause: error,
    },
  );
}

export function badReply(wire: MethodWire, error: unknown): WharfError {
  return new WharfError('INTERNAL', `The reply of ${wire.path} is not a valid message: ${(error as Error).message}`);
}

/** The error a finished call reports: its status, or `failure`, why the client itself stopped it. */
export function callError(outbound: OutboundCall, error: ServiceError, failure?: WharfError): WharfError {
  if (failure !== undefined) return failure;
  if (error.code === status.CANCELLED && outbound.signal?.aborted) {
    // The caller's signal cancelled it: DEADLINE_EXCEEDED when a handler's deadline is why.
    return stoppedCallError(outbound.signal.reason, outbound.deadline, outbound.ref.fullName);
  }
  if (typeof error?.code !== 'number') {
    // Not a status (grpc-js reports every failure as one, but a stream error could slip through).
    const why = (error as Error | undefined)?.message ?? String(error);
    return new WharfError('UNKNOWN', `The call to ${outbound.ref.fullName} failed: ${why}`, undefined, { cause: error });
  }
  return errorOf(error);
}
