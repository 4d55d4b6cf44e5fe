import { createHash, randomBytes } from 'node:crypto';

/** Who signs in, through which browser client, for which API and scopes. */
export interface UserLogin {
  readonly user: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly resource: string;
  /** Space-separated; `openid` is added. */
  readonly scope: string;
}

/** A cookie jar just big enough for one sign-in. */
class Cookies {
  readonly #jar = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';', 1);
      const at = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && at > 0) this.#jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
  get header(): string {
    return [...this.#jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * The authorization code flow with PKCE as a browser runs it, with fetch: the authorization
 * request, the provider's sign-in and consent forms, the redirect with the code, and the token
 * request with the code verifier.
 */
export async function userToken(issuer: string, login: UserLogin): Promise<string> {
  const cookies = new Cookies();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: login.clientId,
    response_type: 'code',
    redirect_uri: login.redirectUri,
    scope: `openid ${login.scope}`,
    resource: login.resource,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();

  let url = auth.toString();
  let form: Record<string, string> | undefined;
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: {
        cookie: cookies.header,
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form === undefined ? undefined : new URLSearchParams(form),
    });
    cookies.take(response);
    form = undefined;
    const location = response.headers.get('location');
    if (location !== null) {
      const next = new URL(location, url);
      if (next.toString().startsWith(login.redirectUri)) return exchange(issuer, login, next, state, verifier);
      url = next.toString();
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
    if (action === undefined || prompt === undefined) throw new Error(`sign-in stopped at ${url}: HTTP ${response.status}`);
    url = new URL(action, url).toString();
    form = prompt === 'login' ? { prompt, login: login.user, password: 'any' } : { prompt };
  }
  throw new Error('sign-in did not reach the redirect URI in 12 steps');
}

async function exchange(issuer: string, login: UserLogin, redirect: URL, state: string, verifier: string): Promise<string> {
  if (redirect.searchParams.get('state') !== state) throw new Error('the provider returned another state');
  const code = redirect.searchParams.get('code');
  if (code === null) throw new Error(`no code: ${redirect.searchParams.get('error_description')}`);
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: login.redirectUri,
      client_id: login.clientId,
      code_verifier: verifier,
      resource: login.resource,
    }),
  });
  const json = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (json.access_token === undefined) throw new Error(`token endpoint: ${json.error}: ${json.error_description}`);
  return json.access_token;
}
