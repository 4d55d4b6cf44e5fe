// The whole public surface of @wharf/transport-grpc.

export { GRPC_ENV, grpcTransport } from './grpc-transport.js';
export { grpcMetadata } from './runtime/exact-metadata.js';
export type { GrpcMetadataValues } from './runtime/metadata.js';
export { DEFAULTS, type GrpcTransportOptions, type KeepaliveOptions } from './runtime/options.js';
export { DETAILS_KEY, GrpcStatusError, grpcStatus } from './runtime/status.js';
export type { ProtoFile } from './schema/generate.js';
export { compileProto, type ProtoSource, protoFiles } from './schema/proto-files.js';
export { importProto, type ProtoImport, type ProtoImportOptions } from './schema/proto-import.js';
export { type GrpcRpcOptions, type ProtoBinding, withProto } from './schema/rpc-options.js';
