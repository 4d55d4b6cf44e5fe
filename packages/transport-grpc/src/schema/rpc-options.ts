// The gRPC options of an RPC declaration: which hand-written .proto rpc, if any, it is served and
// called through instead of a generated one.
import type { RpcOptions } from '@wharf/core';
import type { RpcRef } from '@wharf/core/transport';

/** A service of a hand-written .proto that handlers are bound to instead of a generated one. */
export interface ProtoBinding {
  /** The .proto file(s) to load: absolute, relative to an include dir, or relative to the working directory. */
  readonly files: string | readonly string[];
  /** Directories searched for the files and their imports, in order (like protoc's `-I`). */
  readonly includeDirs?: readonly string[];
  /** The fully-qualified service name, e.g. `acme.chat.v1.Chat`. */
  readonly service: string;
}

/** gRPC options of one RPC (`@Rpc({ …, grpc: { … } })`). */
export interface GrpcRpcOptions {
  /** Serve and call this method through an rpc of an existing .proto service. */
  readonly proto?: ProtoBinding;
  /** The rpc's name in that service; default: the method name, or it with its first letter upper-cased. */
  readonly rpc?: string;
}

declare module '@wharf/core' {
  interface RpcTransportOptions {
    /** gRPC transport options (@wharf/transport-grpc). */
    readonly grpc?: GrpcRpcOptions;
  }
}

/**
 * Binds every method of `methods` to the rpc of the same name in a hand-written .proto service:
 * `defineContract({ name, version, methods: withProto(binding, { say: { … } }) })`.
 */
export function withProto<const M extends { readonly [name: string]: RpcOptions }>(binding: ProtoBinding, methods: M): M {
  const out: Record<string, RpcOptions> = {};
  for (const [key, options] of Object.entries(methods)) out[key] = { ...options, grpc: { ...options.grpc, proto: binding } };
  return out as M;
}

/** True for an RPC bound to a hand-written .proto instead of a generated one. */
export function isBound(ref: RpcRef): boolean {
  return ref.grpc?.proto !== undefined;
}
