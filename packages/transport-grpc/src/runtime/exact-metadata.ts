// The inbound gRPC metadata exactly as sent, for the handler that needs more than ctx.metadata's
// one string per key. Found through ctx.response, which is the call's own GrpcResponse: nothing is
// stored per call for it, and a handler that never asks pays nothing.
import type { ResponseChannel } from '@wharf/core/transport';
import { type GrpcMetadataValues, metadataValues } from './metadata.js';
import { GrpcResponse } from './response.js';

/**
 * The inbound gRPC metadata of the request `ctx` is handling, exactly as sent: bytes for `-bin`
 * keys and every value of a repeated key, where `ctx.metadata` has one string per key (values
 * joined with `, `, bytes as base64). Undefined when the request did not arrive over gRPC.
 */
export function grpcMetadata(ctx: { readonly response: ResponseChannel }): GrpcMetadataValues | undefined {
  const response = ctx.response;
  return response instanceof GrpcResponse ? metadataValues(response.requestMetadata) : undefined;
}
