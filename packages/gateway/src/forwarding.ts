import { type Contract, implement, type RpcRef, type ServiceDefinition } from '@wharf/core';
import type { HttpRouteOptions } from '@wharf/transport-http';

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

/** The OpenAPI security requirement of an operation, from its `auth` declaration. */
function securityOf(ref: RpcRef, scheme: string): HttpRouteOptions['security'] {
  const auth = (ref as { auth?: unknown }).auth;
  if (auth === 'public') return [];
  const scopes = typeof auth === 'object' && auth !== null ? ((auth as { scopes?: readonly string[] }).scopes ?? []) : [];
  return [{ [scheme]: [...scopes] }];
}

/**
 * The gateway's side of a service: the same contract (routes, schemas, auth declarations), each
 * handler forwarding its parsed input to the service through the client pipeline — registry,
 * balancer, deadline, the caller's identity and request id passed on. A server stream is relayed
 * as it comes.
 */
export function forwardingService(contract: Contract, scheme: string): ServiceDefinition {
  const methods: Record<string, RpcRef> = {};
  const handlers: Record<string, (input: unknown, ctx: { call: (ref: RpcRef, input: unknown) => unknown }) => unknown> = {};
  for (const [key, ref] of Object.entries(contract.methods as Readonly<Record<string, RpcRef>>)) {
    const http = ref.http as HttpRouteOptions | undefined;
    methods[key] = { ...ref, http: { ...http, security: http?.security ?? securityOf(ref, scheme) } } as RpcRef;
    // An HTTP intermediary may repeat GET, PUT and DELETE (RFC 9110 §9.2.2): the registry's retry
    // takes them to another instance on any transient failure, not only when nothing ran.
    const target = ref.idempotent === undefined && IDEMPOTENT.has(http?.method ?? 'POST') ? { ...ref, idempotent: true } : ref;
    handlers[key] = (input, ctx) => ctx.call(target, input);
  }
  return implement({ ...contract, methods } as Contract, handlers as never);
}
