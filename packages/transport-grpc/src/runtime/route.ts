// A served method and the steps every call shape takes with it. Requests are decoded here (not in
// grpc-js's deserializer) so that a malformed message is INVALID_ARGUMENT rather than grpc-js's
// INTERNAL, and replies are encoded here so that a handler's bad output is a logged INTERNAL.
import { type Logger, type RpcEndpoint, type TransportHost, toWharfError, WharfError } from '@wharf/core/transport';
import { EncodeError } from '../schema/codec/value-codec.js';
import type { MethodWire } from '../schema/method-wire.js';
import type { GrpcResponse } from './response.js';
import { statusOf } from './status.js';

/** What the call handlers need from the app: its dispatch function and a logger. */
export interface Served {
  readonly dispatch: TransportHost['dispatch'];
  readonly logger: Logger;
}

/** A served method: its endpoint and its wire. */
export interface Route {
  readonly endpoint: RpcEndpoint;
  readonly wire: MethodWire;
}

/** Decodes request message `index` of a stream (or the one request); throws INVALID_ARGUMENT. */
export function decodeRequest(route: Route, bytes: Buffer, index?: number): unknown {
  try {
    return route.wire.request.decode(bytes);
  } catch (error) {
    const which = index === undefined ? 'The request' : `Request message ${index}`;
    throw new WharfError('INVALID_ARGUMENT', `${which} is not a valid ${route.wire.path} message: ${(error as Error).message}`);
  }
}

/** Encodes a reply; a handler output that does not fit its message is logged and answered INTERNAL. */
export function encodeReply(host: Served, route: Route, value: unknown): Buffer {
  try {
    return route.wire.response.encode(value);
  } catch (error) {
    const where = error instanceof EncodeError ? `${error.where}: ${error.message}` : String(error);
    host.logger.error(
      { method: route.endpoint.fullName, handler: route.endpoint.source, problem: where },
      `${route.endpoint.source} returned an output that does not fit its response message`,
    );
    throw new WharfError('INTERNAL', 'Internal error: the reply does not fit its message');
  }
}

/** The status for a failure, with the call's trailers. */
export function failure(error: unknown, response: GrpcResponse): ReturnType<typeof statusOf> {
  return statusOf(toWharfError(error), response.end());
}
