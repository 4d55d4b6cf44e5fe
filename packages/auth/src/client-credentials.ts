import { type ClientMiddleware, MetadataKey, WharfError } from '@wharf/core';
import { amount } from './amount.js';

/** A service's own credentials at the authorization server (OAuth 2.0 client credentials, RFC 6749 §4.4). */
export interface ClientCredentialsOptions {
  /** The token endpoint, e.g. `https://id.example.com/token`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes to ask for; default the client's defaults. */
  readonly scope?: string;
  /** The API the token is for (RFC 8707 `resource`); the token's audience. */
  readonly resource?: string;
  /**
   * Which called services get this token: a list of service names, or every call (`'all'`).
   * Default `'all'`: the service calls as itself, not on behalf of its caller.
   */
  readonly services?: readonly string[] | 'all';
  /** Refresh this long before the token expires (or at 80 % of its life, if sooner); default 30 000 ms. */
  readonly refreshBeforeMs?: number;
  /** Longest time a token request may take; default 5 000 ms. */
  readonly timeoutMs?: number;
  /**
   * After a failed token request, how long calls get its error without asking again; default
   * 1 000 ms. Without it every call would be a token request, and a refused client hammering the
   * authorization server may get itself locked out.
   */
  readonly cooldownMs?: number;
}

interface Cached {
  readonly header: string;
  readonly refreshAt: number;
  readonly expiresAt: number;
}

/** The client middleware, with its token source for direct use. */
export interface ClientCredentials extends ClientMiddleware {
  /** The `Authorization` value to send now (fetched, cached, refreshed before expiry). */
  authorization(): Promise<string>;
  /** Token requests made so far. */
  readonly fetches: number;
}

/**
 * Client middleware that calls other services as this service: it gets an access token from the
 * authorization server with the client-credentials grant, caches it, refreshes it before it
 * expires (one request at a time, the old token serving meanwhile; after a failure, none for a
 * cooldown) and sets `authorization` on outbound calls and events, replacing the end user's
 * forwarded token.
 */
export function clientCredentials(options: ClientCredentialsOptions): ClientCredentials {
  const only = options.services === undefined || options.services === 'all' ? undefined : new Set(options.services);
  const refreshBefore = amount('refreshBeforeMs', options.refreshBeforeMs, 30_000);
  const timeoutMs = amount('timeoutMs', options.timeoutMs, 5_000);
  const cooldownMs = amount('cooldownMs', options.cooldownMs, 1_000);
  let cached: Cached | undefined;
  let pending: Promise<Cached> | undefined;
  let failed: { readonly error: unknown; readonly until: number } | undefined;
  let fetches = 0;

  async function request(): Promise<Cached> {
    fetches++;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scope !== undefined) body.set('scope', options.scope);
    if (options.resource !== undefined) body.set('resource', options.resource);
    const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString(
      'base64',
    );
    // expires_in counts from when the server issued the token, which is after this: counting from
    // the answer instead gave a token up to the request's duration more life than it has, and
    // with the server's clock in whole seconds the 1 s margin below no longer covered it (a test
    // was handed a token at its exact expiry second).
    const sentAt = Date.now();
    let response: Response;
    try {
      response = await fetch(options.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${basic}`,
          accept: 'application/json',
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new WharfError('UNAVAILABLE', `The token endpoint cannot be reached: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    const json = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!response.ok || typeof json.access_token !== 'string') {
      // A refused client is a configuration error here, not the end user's: do not make it look like a 401 of theirs.
      throw new WharfError(
        'INTERNAL',
        `The token endpoint refused client ${options.clientId}: ${String(json.error ?? `HTTP ${response.status}`)}`,
      );
    }
    const lifeMs = (typeof json.expires_in === 'number' ? json.expires_in : 60) * 1000;
    return {
      header: `Bearer ${json.access_token}`,
      expiresAt: sentAt + lifeMs,
      refreshAt: sentAt + Math.min(lifeMs * 0.8, Math.max(0, lifeMs - refreshBefore)),
    };
  }

  function refresh(): Promise<Cached> {
    if (pending === undefined && failed !== undefined && Date.now() < failed.until) return Promise.reject(failed.error);
    pending ??= request().then(
      (fresh) => {
        cached = fresh;
        pending = undefined;
        failed = undefined;
        return fresh;
      },
      (error: unknown) => {
        pending = undefined;
        failed = { error, until: Date.now() + cooldownMs };
        throw error;
      },
    );
    return pending;
  }

  async function authorization(): Promise<string> {
    const now = Date.now();
    const current = cached;
    // A second short of `expiresAt`: the server's clock counts whole seconds (exp = floor(issued) + expires_in).
    if (current !== undefined && now < current.expiresAt - 1_000) {
      if (now >= current.refreshAt) refresh().catch(() => {}); // early, in the background
      return current.header;
    }
    return (await refresh()).header;
  }

  const middleware = (async (call, next) => {
    if (only !== undefined && (call.kind === 'event' || !only.has(call.service))) return next();
    call.metadata[MetadataKey.authorization] = await authorization();
    return next();
  }) as ClientCredentials;
  Object.defineProperty(middleware, 'authorization', { value: authorization });
  Object.defineProperty(middleware, 'fetches', { get: () => fetches });
  return middleware;
}
