import type { Endpoint, Schema, StreamKind } from '@wharf/core';

/**
 * Who may call an endpoint, declared beside its handler:
 * - `'public'`: anyone; the guard stays out of the endpoint's pipeline (it costs nothing there);
 * - `'authenticated'`: any caller with a valid token;
 * - `{ scopes, roles }`: a valid token carrying every listed scope and, when roles are listed,
 *   at least one of them.
 */
export type AuthRequirement =
  | 'public'
  | 'authenticated'
  | { readonly scopes?: readonly string[]; readonly roles?: readonly string[] };

declare module '@wharf/core' {
  interface RpcOptions<I extends Schema = Schema, O extends Schema = Schema, S extends StreamKind = StreamKind> {
    /** Who may call this RPC (see @wharf/auth): `'public'`, `'authenticated'` or `{ scopes, roles }`. */
    readonly auth?: AuthRequirement;
  }
  interface OnOptions<P extends Schema = Schema> {
    /** Whose events this handler accepts (see @wharf/auth): the token the event carries is checked like a call's. */
    readonly auth?: AuthRequirement;
  }
}

/** The requirement an endpoint declares, or undefined when it declares none. */
export function declaredRequirement(endpoint: Endpoint): unknown {
  return (endpoint as { auth?: unknown }).auth;
}

/** What is wrong with a declared requirement, or undefined when it is well-formed. */
export function requirementProblem(value: unknown): string | undefined {
  if (value === 'public' || value === 'authenticated') return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `auth must be 'public', 'authenticated' or { scopes, roles }, got ${JSON.stringify(value)}`;
  }
  const { scopes, roles, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `auth has unknown keys ${extra.join(', ')}; use scopes and roles`;
  for (const [name, list] of [
    ['scopes', scopes],
    ['roles', roles],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === '' || /\s/.test(s))) {
      return `auth.${name} must be a list of non-empty strings without spaces`;
    }
  }
  return undefined;
}
