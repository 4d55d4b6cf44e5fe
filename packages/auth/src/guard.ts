import {
  type Endpoint,
  type EndpointMiddleware,
  type EndpointsCheck,
  type Logger,
  MetadataKey,
  type ServerCall,
  type ServerMiddleware,
  WharfError,
} from '@wharf/core';
import { type AuthRequirement, declaredRequirement, requirementProblem } from './declaration.js';
import { insufficientScope, invalidToken, missingToken } from './errors.js';
import type { Identity } from './identity.js';
import { AUTH_DEFAULTS, type AuthGuardOptions } from './options.js';
import { TokenVerifier } from './verifier.js';

/** The auth guard: server middleware for `middleware.server`, specialised per endpoint. */
export interface AuthGuard extends EndpointMiddleware, EndpointsCheck {
  /** The verifier it uses (its `remote.fetches` counts JWKS fetches). */
  readonly verifier: TokenVerifier;
  /** Verifies an `Authorization` value as the guard would (the gateway checks tokens at the edge with it). */
  authenticate(authorization: string | undefined, logger?: Logger): Promise<Identity>;
}

function needs(requirement: AuthRequirement): { scopes: readonly string[]; roles: readonly string[] } {
  return typeof requirement === 'object'
    ? { scopes: requirement.scopes ?? [], roles: requirement.roles ?? [] }
    : { scopes: [], roles: [] };
}

/**
 * The auth guard. Install it in `middleware.server`; each endpoint declares who may call it
 * (`auth: 'public' | 'authenticated' | { scopes, roles }` on `@Rpc`, `@On` or a contract method).
 * The token comes from `authorization` metadata on every transport (the HTTP header, gRPC
 * metadata, an AMQP message header). A missing or invalid token is UNAUTHENTICATED (HTTP 401 with
 * `WWW-Authenticate`), whatever went wrong; a valid token without the scopes or roles is
 * PERMISSION_DENIED (403). The verified caller is `ctx.auth`.
 */
export function authGuard(options: AuthGuardOptions): AuthGuard {
  const verifier = new TokenVerifier(options, options.logger);
  const realm = options.realm ?? AUTH_DEFAULTS.realm;
  const denyByDefault = options.denyByDefault ?? true;
  const overrides = options.endpoints ?? {};

  const requirementOf = (endpoint: Endpoint): unknown =>
    overrides[endpoint.fullName] ?? declaredRequirement(endpoint) ?? (denyByDefault ? undefined : 'authenticated');

  async function authenticate(authorization: string | undefined, logger?: Logger, emittedAt?: number): Promise<Identity> {
    if (authorization === undefined || authorization === '') throw missingToken(realm);
    try {
      return await verifier.verify(authorization, emittedAt);
    } catch (error) {
      if (WharfError.is(error) && error.code === 'UNAVAILABLE') throw error;
      // Every failure the same to the caller, jose's TypeErrors (a key of the wrong type) included.
      logger?.debug({ reason: (error as Error)?.message, kind: (error as Error)?.name }, 'Bearer token refused');
      throw invalidToken(realm);
    }
  }

  function guardFor(endpoint: Endpoint, requirement: AuthRequirement): ServerMiddleware {
    const { scopes, roles } = needs(requirement);
    const isEvent = endpoint.kind === 'event';
    return async (call: ServerCall, next) => {
      const logger = options.logger ?? call.appLogger;
      const emittedAt = isEvent ? call.event?.timestamp : undefined;
      const identity = await authenticate(call.metadata[MetadataKey.authorization], logger, emittedAt);
      const granted = identity.scopes;
      if (scopes.some((s) => !granted.includes(s)) || (roles.length > 0 && !roles.some((r) => identity.roles.includes(r)))) {
        throw insufficientScope(realm, scopes, roles);
      }
      (call as { auth?: Identity }).auth = identity;
      return next();
    };
  }

  return {
    name: 'auth',
    verifier,
    authenticate: (authorization, logger) => authenticate(authorization, logger ?? options.logger),
    checkEndpoints(endpoints) {
      const problems: string[] = [];
      const known = new Set(endpoints.map((e) => e.fullName));
      for (const name of Object.keys(overrides)) {
        if (!known.has(name)) problems.push(`authGuard: endpoints["${name}"] names no endpoint of this app`);
        const problem = requirementProblem(overrides[name]);
        if (problem) problems.push(`authGuard: endpoints["${name}"]: ${problem}`);
      }
      for (const endpoint of endpoints) {
        const requirement = requirementOf(endpoint);
        if (requirement === undefined) {
          problems.push(
            `${endpoint.source}: declares no auth and the guard denies by default; add \`auth: 'public'\`, \`auth: 'authenticated'\` or \`auth: { scopes: [...] }\``,
          );
          continue;
        }
        if (overrides[endpoint.fullName] !== undefined) continue; // judged above
        const problem = requirementProblem(requirement);
        if (problem) problems.push(`${endpoint.source}: ${problem}`);
      }
      return problems;
    },
    forEndpoint(endpoint) {
      const requirement = requirementOf(endpoint) as AuthRequirement | undefined;
      if (requirement === 'public') return undefined; // costs nothing there
      // createApp refused undeclared endpoints already (checkEndpoints); fail closed all the same.
      if (requirement === undefined)
        return () => Promise.reject(new WharfError('PERMISSION_DENIED', `${endpoint.fullName} declares no auth`));
      return guardFor(endpoint, requirement);
    },
  };
}
