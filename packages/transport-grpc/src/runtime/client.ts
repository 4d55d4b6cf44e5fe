// The client half: one grpc-js channel per address, reused by every call to it; each RpcRef's
// wire (path and codecs) compiled once and cached.
import { Client, credentials } from '@grpc/grpc-js';
import { DeclarationError } from '@wharf/core';
import { IdleGate, MetadataKey, type OutboundCall, type RpcRef, WharfError } from '@wharf/core/transport';
import { compileService } from '../schema/generate.js';
import type { MethodWire } from '../schema/method-wire.js';
import { bindMethods, loadProto } from '../schema/proto-binding.js';
import { isBound, type ProtoBinding } from '../schema/rpc-options.js';
import { type PreparedCall, startCall } from './client-calls.js';
import { toGrpc } from './metadata.js';
import { clientChannelOptions, type GrpcTransportOptions } from './options.js';

/** The gRPC target (`host:port`) of a `grpc://host:port` address. */
function targetOf(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new WharfError('UNAVAILABLE', `"${address}" is not a gRPC address; expected grpc://host:port`);
  }
  if (url.protocol !== 'grpc:' || url.hostname === '' || url.port === '') {
    throw new WharfError('UNAVAILABLE', `"${address}" is not a gRPC address; expected grpc://host:port`);
  }
  return `${url.hostname}:${url.port}`;
}

/** The client half of the gRPC transport. */
export class GrpcClient {
  readonly #options: GrpcTransportOptions;
  readonly #channels = new Map<string, Client>();
  readonly #wires = new WeakMap<RpcRef, MethodWire | WharfError>();
  readonly #gate = new IdleGate();
  #closing = false;
  #closed = false;

  constructor(options: GrpcTransportOptions) {
    this.#options = options;
  }

  #wire(ref: RpcRef): MethodWire {
    let wire = this.#wires.get(ref);
    if (wire === undefined) {
      try {
        if (isBound(ref)) {
          const proto = loadProto(ref.grpc?.proto as ProtoBinding, ref.fullName);
          wire = bindMethods(proto, [ref], 'grpc')[0] as MethodWire;
        } else {
          wire = compileService({ name: ref.service, major: ref.major, rpcs: [ref] })?.methods[0];
        }
      } catch (error) {
        const why = error instanceof DeclarationError ? error.problems.join('; ') : (error as Error).message;
        wire = new WharfError('UNIMPLEMENTED', `${ref.fullName} cannot be called over gRPC: ${why}`);
      }
      wire ??= new WharfError('UNIMPLEMENTED', `${ref.fullName} cannot be called over gRPC`);
      this.#wires.set(ref, wire);
    }
    if (WharfError.is(wire)) throw wire;
    return wire;
  }

  #channel(address: string): Client {
    let channel = this.#channels.get(address);
    if (channel === undefined) {
      const creds = this.#options.channelCredentials ?? credentials.createInsecure();
      channel = new Client(targetOf(address), creds, clientChannelOptions(this.#options));
      this.#channels.set(address, channel);
    }
    return channel;
  }

  call(outbound: OutboundCall): Promise<unknown> {
    if (this.#closed || (this.#closing && outbound.parent === undefined)) {
      return Promise.reject(new WharfError('UNAVAILABLE', `The gRPC transport is closed; cannot call ${outbound.ref.fullName}`));
    }
    let prepared: PreparedCall;
    try {
      const wire = this.#wire(outbound.ref);
      const channel = this.#channel(outbound.address);
      const metadata = toGrpc(outbound.metadata);
      // grpc-timeout carries the remaining time; the absolute deadline beside it lets the callee
      // tighten its own to ours when the clocks agree (core's inboundDeadline).
      if (outbound.deadline !== undefined) metadata.set(MetadataKey.deadline, String(outbound.deadline));
      const options = { deadline: outbound.deadline ?? Number.POSITIVE_INFINITY };
      prepared = { outbound, wire, channel, metadata, options, gate: this.#gate };
    } catch (error) {
      if (WharfError.is(error)) return Promise.reject(error);
      return Promise.reject(new WharfError('INVALID_ARGUMENT', (error as Error).message));
    }
    return startCall(prepared);
  }

  /** Stops new top-level calls, waits for calls in flight (until `signal`), then closes every channel. */
  async close(signal: AbortSignal): Promise<void> {
    this.#closing = true;
    await this.#gate.idle(signal);
    this.#closed = true;
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
  }
}
