// The whole public surface of @wharf/transport-grpc.
export type { ProtoFile } from './generate.js';
export {
  DEFAULTS,
  type GrpcRpcOptions,
  type GrpcTransportOptions,
  type KeepaliveOptions,
  type ProtoBinding,
  withProto,
} from './options.js';
export { compileProto, type ProtoSource, protoFiles } from './proto-files.js';
export { DETAILS_KEY } from './status.js';
export { grpcTransport } from './transport.js';
