import type { Balancer, ClientMiddleware, RpcCall, ServiceInstance } from '@wharf/core';

/**
 * A connection refused means the request never reached a handler, so it is safe to send it to
 * another instance, whatever the method. Both clients name the refusal in their message: the HTTP
 * client's "(ECONNREFUSED)", grpc-js's "connect ECONNREFUSED".
 */
function refused(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === 'UNAVAILABLE' && typeof e.message === 'string' && e.message.includes('ECONNREFUSED');
}

// Routes whose repetition does no harm (RFC 9110 §9.2.2): any unavailability may be retried elsewhere.
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

function idempotent(call: RpcCall): boolean {
  const method = (call.ref.http as { method?: string } | undefined)?.method;
  return method !== undefined && IDEMPOTENT.has(method);
}

/** What `passiveHealth` takes. */
export interface PassiveHealthOptions {
  /** How long an instance that refused a connection is left out; default 5 000 ms. */
  readonly ejectMs?: number;
  /** Tries per call in all; default 3. */
  readonly attempts?: number;
}

/**
 * Until the registry package's breaker lands, the gateway's minimal defence against a dead
 * instance that is still registered: a call refused at connect (it provably never ran), or any
 * unavailable call of an idempotent route (GET, PUT, DELETE), is sent to another instance, and the
 * failing instance is left out of balancing for `ejectMs`. A POST that failed mid-flight is not
 * retried: it may have run.
 * Returns the client middleware and the balancer that share the ejection list.
 */
export function passiveHealth(
  inner: Balancer,
  options: PassiveHealthOptions = {},
): { middleware: ClientMiddleware; balancer: Balancer } {
  const ejectMs = options.ejectMs ?? 5_000;
  const attempts = options.attempts ?? 3;
  const ejected = new Map<string, number>();
  const balancer: Balancer = {
    pick(instances: readonly ServiceInstance[], call: RpcCall) {
      if (ejected.size === 0) return inner.pick(instances, call);
      const now = Date.now();
      const live = instances.filter((i) => {
        const until = ejected.get(i.address);
        if (until !== undefined && until <= now) ejected.delete(i.address); // back in
        return until === undefined || until <= now;
      });
      return inner.pick(live.length > 0 ? live : instances, call);
    },
  };
  // Not async: the common path (no failure) costs one `catch` on the pipeline's promise.
  const middleware: ClientMiddleware = (call, next) => {
    if (call.kind !== 'rpc' || call.address !== undefined) return next();
    const attempt = (n: number): Promise<unknown> =>
      next().catch((error: unknown) => {
        const address = call.address;
        if ((error as { code?: string })?.code !== 'UNAVAILABLE' || address === undefined) throw error;
        ejected.set(address, Date.now() + ejectMs);
        if (!refused(error) && !idempotent(call)) throw error;
        if (n >= attempts || (call.deadline !== undefined && call.deadline <= Date.now())) throw error;
        call.address = undefined;
        call.via = undefined;
        call.transport = undefined;
        return attempt(n + 1);
      });
    return attempt(1);
  };
  return { middleware, balancer };
}
