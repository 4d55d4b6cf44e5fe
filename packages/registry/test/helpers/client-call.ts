// A client call as the breaker sees it once `resolve` chose an HTTP instance, for tests that drive
// a middleware directly through core's `compose` (no app, no transport).
import type { ClientCall, RpcRef } from '@wharf/core';

/** A fresh call of `ref` to `http://127.0.0.1:1`. */
export function clientCall(ref: RpcRef): ClientCall {
  return {
    side: 'client',
    kind: 'rpc',
    ref,
    service: ref.service,
    method: ref.name,
    address: 'http://127.0.0.1:1',
    transport: 'http',
    locals: {},
    metadata: {},
  } as unknown as ClientCall;
}
