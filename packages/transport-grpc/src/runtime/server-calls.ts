// The grpc-js handler of each call shape, between grpc-js's call objects and core's dispatch.
import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerReadableStream,
  ServerUnaryCall,
  sendUnaryData,
  UntypedHandleCall,
} from '@grpc/grpc-js';
import { type InboundRequest, inboundDeadline, MetadataKey } from '@wharf/core/transport';
import { fromGrpc } from './metadata.js';
import { GrpcResponse } from './response.js';
import { decodeRequest, encodeReply, failure, type Route, type Served } from './route.js';
import { requests } from './server-input.js';
import { replyStream } from './server-output.js';

type SurfaceCall = ServerUnaryCall<Buffer, Buffer> | ServerReadableStream<Buffer, Buffer>;

/**
 * The request as core sees it. Cancellation is a listener on grpc-js's `cancelled` event, not an
 * AbortSignal per call (~3.5 µs and most of this transport's overhead when it was one). grpc-js
 * emits `cancelled` after every call, even a completed one (it cleans up that way), so the
 * listener is removed when the request ends in core, and again when the reply goes out.
 * `timeoutMs` is the deadline of a caller that sends no `grpc-timeout` (undefined: none).
 */
function inbound(call: SurfaceCall, response: GrpcResponse, timeoutMs: number | undefined): InboundRequest {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const absolute = call.metadata.get(MetadataKey.deadline)[0];
  const now = Date.now();
  return {
    transport: 'grpc',
    metadata: fromGrpc(call.metadata),
    deadline: inboundDeadline(
      Number.isFinite(at) ? at - now : undefined,
      typeof absolute === 'string' ? absolute : undefined,
      timeoutMs,
      now,
    ),
    response,
    onCancel(cancel) {
      if (call.cancelled) {
        cancel();
        return () => {};
      }
      call.once('cancelled', cancel);
      const off = () => call.off('cancelled', cancel);
      response.onEnd = off;
      return () => {
        off();
        response.release();
      };
    },
  };
}

/** Sends the one reply message of a unary or client-stream call, or its failure, with the trailers. */
function reply(
  host: Served,
  route: Route,
  response: GrpcResponse,
  callback: sendUnaryData<Buffer>,
  dispatched: Promise<unknown>,
): void {
  dispatched.then(
    (output) => {
      let bytes: Buffer;
      try {
        bytes = encodeReply(host, route, output);
      } catch (error) {
        callback(failure(error, response));
        return;
      }
      callback(null, bytes, response.end() as Metadata);
    },
    (error: unknown) => callback(failure(error, response)),
  );
}

function unary(host: Served, route: Route, timeoutMs: number | undefined): handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const response = new GrpcResponse(call);
    let input: unknown;
    try {
      input = decodeRequest(route, call.request);
    } catch (error) {
      callback(failure(error, response));
      return;
    }
    reply(host, route, response, callback, host.dispatch(route.endpoint, input, inbound(call, response, timeoutMs)));
  };
}

function serverStream(host: Served, route: Route, timeoutMs: number | undefined): handleServerStreamingCall<Buffer, Buffer> {
  return (call) => {
    const response = new GrpcResponse(call);
    let input: unknown;
    try {
      input = decodeRequest(route, call.request);
    } catch (error) {
      call.emit('error', failure(error, response));
      return;
    }
    replyStream(host, route, call, response, host.dispatch(route.endpoint, input, inbound(call, response, timeoutMs)));
  };
}

function clientStream(host: Served, route: Route, timeoutMs: number | undefined): handleClientStreamingCall<Buffer, Buffer> {
  return (call, callback) => {
    const response = new GrpcResponse(call);
    reply(
      host,
      route,
      response,
      callback,
      host.dispatch(route.endpoint, requests(route, call), inbound(call, response, timeoutMs)),
    );
  };
}

function bidiStream(host: Served, route: Route, timeoutMs: number | undefined): handleBidiStreamingCall<Buffer, Buffer> {
  return (call) => {
    const response = new GrpcResponse(call);
    replyStream(
      host,
      route,
      call,
      response,
      host.dispatch(route.endpoint, requests(route, call), inbound(call, response, timeoutMs)),
    );
  };
}

/**
 * The grpc-js handler for a route, by its stream kind. A caller that sends no deadline gets the
 * RPC's `timeoutMs`, else `defaultTimeoutMs` (undefined: none).
 */
export function handlerFor(host: Served, route: Route, defaultTimeoutMs: number | undefined): UntypedHandleCall {
  const timeoutMs = route.endpoint.timeoutMs ?? defaultTimeoutMs;
  switch (route.endpoint.stream) {
    case 'server':
      return serverStream(host, route, timeoutMs);
    case 'client':
      return clientStream(host, route, timeoutMs);
    case 'bidi':
      return bidiStream(host, route, timeoutMs);
    default:
      return unary(host, route, timeoutMs);
  }
}
