import type { ChannelCredentials, ChannelOptions, ServerCredentials } from '@grpc/grpc-js';

/** Keepalive pings on connections with calls in flight; the same values configure server and client. */
export interface KeepaliveOptions {
  /** Interval between pings; default 30 000 ms. The server accepts client pings this often (no `too_many_pings`). */
  readonly timeMs?: number;
  /** Time to wait for a ping's answer before the connection is dropped; default 10 000 ms. */
  readonly timeoutMs?: number;
}

/** Options of `grpcTransport()`. */
export interface GrpcTransportOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port to listen on; default 0 (any free port; the registry publishes the real one). */
  readonly port?: number;
  /** Host put in the registered address; default `host`, or the machine's hostname when `host` is a wildcard. */
  readonly advertiseHost?: string;
  /** Largest message accepted, in bytes; default 4 MiB. Larger ones fail with RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes?: number;
  /** Largest message sent, in bytes; default 4 MiB. */
  readonly maxSendMessageBytes?: number;
  readonly keepalive?: KeepaliveOptions;
  /**
   * The handler's time limit when the caller sends no `grpc-timeout` (grpcurl, a plain grpc-js
   * client): the RPC's `timeoutMs`, else this; default 30 000. `null` for no limit.
   */
  readonly defaultTimeoutMs?: number | null;
  /**
   * Time allowed to receive the request message of a unary or server-stream call, from the call's
   * start; default 30 000. A call still without it (a length prefix promising more bytes than come,
   * no end, no deadline) is ended with DEADLINE_EXCEEDED, as HTTP's requestTimeoutMs answers 408.
   * The caller's own deadline, when it sends one, applies too.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Most calls open at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); default
   * 100. A grpc-js client queues calls past it; a peer that ignores it gets REFUSED_STREAM.
   */
  readonly maxConcurrentStreams?: number;
  /**
   * Age after which a connection is asked to go away (GOAWAY; the client reconnects, to another
   * instance if the balancer picks one); default none. Bounds how long any one connection, and
   * whatever it holds, lives.
   */
  readonly maxConnectionAgeMs?: number;
  /** Time calls in flight get to finish after maxConnectionAgeMs, before the connection is closed; default none (they finish). */
  readonly maxConnectionAgeGraceMs?: number;
  /** Serve gRPC server reflection (grpcurl, Postman); default true. */
  readonly reflection?: boolean;
  /** Serve the standard health checking protocol, tied to the app's readiness; default true. */
  readonly health?: boolean;
  /** TLS for the server; default insecure (plaintext h2c). */
  readonly serverCredentials?: ServerCredentials;
  /** TLS for outbound calls; default insecure. */
  readonly channelCredentials?: ChannelCredentials;
  /** Extra grpc-js server options, applied over Wharf's. */
  readonly serverOptions?: ChannelOptions;
  /** Extra grpc-js channel options for outbound calls, applied over Wharf's. */
  readonly channelOptions?: ChannelOptions;
}

/** The defaults of every size and interval. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  maxSendMessageBytes: 4 * 1024 * 1024,
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  defaultTimeoutMs: 30_000,
  requestTimeoutMs: 30_000,
  maxConcurrentStreams: 100,
} as const;

/** The server's deadline for a caller that sends none (undefined: no limit). */
export function defaultTimeoutOf(options: GrpcTransportOptions): number | undefined {
  return options.defaultTimeoutMs === null ? undefined : (options.defaultTimeoutMs ?? DEFAULTS.defaultTimeoutMs);
}

/** grpc-js options for the server half. */
export function serverChannelOptions(options: GrpcTransportOptions): ChannelOptions {
  const time = options.keepalive?.timeMs ?? DEFAULTS.keepaliveTimeMs;
  return {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? DEFAULTS.maxReceiveMessageBytes,
    'grpc.max_send_message_length': options.maxSendMessageBytes ?? DEFAULTS.maxSendMessageBytes,
    'grpc.keepalive_time_ms': time,
    'grpc.keepalive_timeout_ms': options.keepalive?.timeoutMs ?? DEFAULTS.keepaliveTimeoutMs,
    // Peers that enforce a ping policy (grpc-go, C-core) read this; it matches our clients' interval.
    'grpc.http2.min_ping_interval_without_data_ms': time,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams ?? DEFAULTS.maxConcurrentStreams,
    ...(options.maxConnectionAgeMs === undefined ? {} : { 'grpc.max_connection_age_ms': options.maxConnectionAgeMs }),
    ...(options.maxConnectionAgeGraceMs === undefined
      ? {}
      : { 'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs }),
    ...options.serverOptions,
  };
}

/** grpc-js options for outbound channels. */
export function clientChannelOptions(options: GrpcTransportOptions): ChannelOptions {
  return {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? DEFAULTS.maxReceiveMessageBytes,
    'grpc.max_send_message_length': options.maxSendMessageBytes ?? DEFAULTS.maxSendMessageBytes,
    'grpc.keepalive_time_ms': options.keepalive?.timeMs ?? DEFAULTS.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': options.keepalive?.timeoutMs ?? DEFAULTS.keepaliveTimeoutMs,
    // No pings on idle connections: servers with default policies count those as abuse.
    'grpc.keepalive_permit_without_calls': 0,
    'grpc.primary_user_agent': 'wharf-grpc',
    ...options.channelOptions,
  };
}
