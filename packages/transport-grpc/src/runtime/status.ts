// WharfError ↔ gRPC status. The code and message travel as `grpc-status`/`grpc-message`; the
// details travel in the standard rich-error trailer `grpc-status-details-bin`: a google.rpc.Status
// whose details hold a google.rpc.BadRequest (field violations, readable by any gRPC client) and a
// google.protobuf.Struct with the full details object (what a Wharf client rebuilds).

import { Metadata, type StatusObject } from '@grpc/grpc-js';
import type { ErrorDetails, FieldViolation } from '@wharf/core';
import { codeFromGrpcStatus, ERROR_CODES, WharfError } from '@wharf/core/transport';
import protobuf from 'protobufjs';
import { fromStruct, toStruct } from '../schema/codec/json-codec.js';

/**
 * A WharfError that carries an exact gRPC status number: the canonical code is the number's (or
 * UNKNOWN for a number outside the 16), but over gRPC the number itself goes out, and the message
 * verbatim. What a bring-your-own-.proto service whose clients expect a custom status sends; what
 * a Wharf client receives for a status outside the 16, so that a handler rethrowing it passes the
 * same number on. Other transports carry the canonical code.
 */
export class GrpcStatusError extends WharfError {
  readonly #status: number;

  constructor(status: number, message: string, details?: ErrorDetails) {
    if (!Number.isInteger(status) || status < 1 || status > 0x7fffffff) {
      throw new RangeError(`A gRPC error status is an integer from 1 to 2^31-1 (0 is OK, not an error); got ${status}`);
    }
    super(codeFromGrpcStatus(status), message, details);
    this.#status = status;
  }

  /** The gRPC status number sent, exactly as given. */
  override get grpcStatus(): number {
    return this.#status;
  }
}

/**
 * Throw from a handler to end a gRPC call with exactly this status number and message (any
 * number from 1; e.g. 42 for a status your .proto's clients define). Over other transports it is
 * the canonical code of that number, UNKNOWN outside the 16.
 */
export function grpcStatus(status: number, message: string, details?: ErrorDetails): GrpcStatusError {
  return new GrpcStatusError(status, message, details);
}

/** The trailing metadata key of the structured error details. */
export const DETAILS_KEY = 'grpc-status-details-bin';

const STRUCT_URL = 'type.googleapis.com/google.protobuf.Struct';
const BAD_REQUEST_URL = 'type.googleapis.com/google.rpc.BadRequest';
/** Trailers above this size risk the peer's metadata limit (8 KiB by default); details are trimmed to fit. */
const MAX_DETAILS_BYTES = 6 * 1024;

const root = new protobuf.Root();
root.addJSON({
  google: {
    nested: {
      rpc: {
        nested: {
          Status: {
            fields: {
              code: { type: 'int32', id: 1 },
              message: { type: 'string', id: 2 },
              details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
            },
          },
          BadRequest: {
            fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
            nested: {
              FieldViolation: {
                fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } },
              },
            },
          },
        },
      },
    },
  },
});
root.addJSON((protobuf.common.get('google/protobuf/any.proto') as protobuf.INamespace).nested ?? {});
root.addJSON((protobuf.common.get('google/protobuf/struct.proto') as protobuf.INamespace).nested ?? {});
root.resolveAll();
const Status = root.lookupType('google.rpc.Status');
const BadRequest = root.lookupType('google.rpc.BadRequest');
const Struct = root.lookupType('google.protobuf.Struct');

function encodeDetails(code: number, message: string, details: ErrorDetails): Buffer {
  const any: { type_url: string; value: Uint8Array }[] = [];
  const violations = details.fieldViolations;
  if (violations !== undefined && violations.length > 0) {
    const field_violations = violations.map((v) => ({ field: v.field, description: v.description }));
    any.push({ type_url: BAD_REQUEST_URL, value: BadRequest.encode({ field_violations }).finish() });
  }
  any.push({ type_url: STRUCT_URL, value: Struct.encode(toStruct(details as Record<string, unknown>) as object).finish() });
  return Status.encode({ code, message, details: any }).finish() as Buffer;
}

/** The details trailer, trimmed to fit the metadata limit; undefined when they cannot be carried. */
function detailsTrailer(code: number, message: string, details: ErrorDetails): Buffer | undefined {
  try {
    let encoded = encodeDetails(code, message, details);
    const violations = details.fieldViolations;
    for (
      let keep = 16;
      encoded.length > MAX_DETAILS_BYTES && violations !== undefined && keep >= 1;
      keep = Math.floor(keep / 4)
    ) {
      encoded = encodeDetails(code, message, { ...details, fieldViolations: violations.slice(0, keep), truncated: true });
    }
    return encoded.length > MAX_DETAILS_BYTES ? undefined : encoded;
  } catch {
    // Not JSON-shaped (a bigint, a class instance): the code and message still go out.
    return undefined;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The message as grpc-js can send it: it percent-encodes with encodeURI, which throws on a lone surrogate. */
function sendableMessage(message: string): string {
  return /[\uD800-\uDFFF]/.test(message) ? message.replace(LONE_SURROGATE, '\uFFFD') : message;
}

/** A gRPC status (as grpc-js takes it from a handler) for `error`, with `trailers` and the details trailer. */
export function statusOf(error: WharfError, trailers: Metadata | undefined): Partial<StatusObject> & { code: number } {
  const metadata = trailers ?? new Metadata();
  const code = error.grpcStatus;
  const message = sendableMessage(error.message);
  if (error.details !== undefined) {
    const encoded = detailsTrailer(code, message, error.details);
    if (encoded !== undefined) metadata.set(DETAILS_KEY, encoded);
  }
  return { code, details: message, metadata };
}

function decodeDetails(bytes: Buffer): ErrorDetails | undefined {
  const status = Status.decode(bytes) as unknown as { details: { type_url: string; value: Uint8Array }[] };
  let violations: FieldViolation[] | undefined;
  for (const any of status.details) {
    if (any.type_url === STRUCT_URL) return fromStruct(Struct.decode(any.value)) as ErrorDetails;
    if (any.type_url === BAD_REQUEST_URL) {
      const request = BadRequest.decode(any.value) as unknown as { field_violations: FieldViolation[] };
      violations = request.field_violations.map((v) => ({ field: v.field, description: v.description }));
    }
  }
  return violations === undefined ? undefined : { fieldViolations: violations };
}

/** The WharfError for a non-OK status a grpc-js client received: same code, message and details. */
export function errorOf(status: { code: number; details: string; metadata?: Metadata }): WharfError {
  let details: ErrorDetails | undefined;
  const raw = status.metadata?.get(DETAILS_KEY)[0];
  if (Buffer.isBuffer(raw)) {
    try {
      details = decodeDetails(raw);
    } catch {
      details = undefined;
    }
  }
  // A status outside the 16 keeps its number, so that a handler rethrowing it passes it on.
  if (status.code > ERROR_CODES.length && status.code <= 0x7fffffff)
    return new GrpcStatusError(status.code, status.details, details);
  return new WharfError(codeFromGrpcStatus(status.code), status.details, details);
}
