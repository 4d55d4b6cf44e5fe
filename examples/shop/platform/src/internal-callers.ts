import { type EndpointMiddleware, WharfError } from '@wharf/core';
import { INTERNAL_SCOPE } from '@wharf/shop-contracts';

/**
 * Internal commands (`auth: { scopes: ['shop:internal'] }`) are for the shop's own services. A
 * scope alone is not enough — a browser client may ask the provider for any scope of the API —
 * so the token must also have been issued to one of the services' confidential clients (client
 * credentials, whose secrets only the services hold). Runs after the auth guard.
 */
export function internalCallers(clients: readonly string[]): EndpointMiddleware {
  const allowed = new Set(clients);
  return {
    name: 'internal-callers',
    forEndpoint(endpoint) {
      const auth = (endpoint as { auth?: { scopes?: readonly string[] } }).auth;
      if (typeof auth !== 'object' || !auth.scopes?.includes(INTERNAL_SCOPE)) return undefined;
      return (call, next) => {
        const clientId = call.auth?.clientId;
        if (clientId === undefined || !allowed.has(clientId) || call.auth?.subject !== clientId) {
          throw new WharfError('PERMISSION_DENIED', `${endpoint.fullName} is internal to the shop`);
        }
        return next();
      };
    },
  };
}
