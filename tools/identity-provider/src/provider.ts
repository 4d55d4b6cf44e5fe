import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import Provider from 'oidc-provider';
import { type BrowserClient, type IdentityProviderOptions, providerConfiguration } from './config.js';
import { newKeyGeneration } from './keys.js';
import { type UserLogin, userToken } from './user-login.js';

/** What the JWKS endpoint does: answer, refuse (503), or hang until the client gives up. */
export type JwksMode = 'up' | 'down' | 'hang';

/**
 * A real OAuth 2.0 / OpenID Connect provider (oidc-provider, a certified implementation) on a
 * loopback port, with the knobs tests need: JWKS fetches counted, the JWKS endpoint taken down,
 * keys rotated, browser clients added once their redirect URI is known.
 */
export class IdentityProvider {
  readonly #options: IdentityProviderOptions;
  readonly #server: Server;
  readonly #browsers: BrowserClient[];
  #keys: JWK[] = [];
  #callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** Requests to the JWKS endpoint so far, whatever it answered. */
  jwksFetches = 0;
  jwksMode: JwksMode = 'up';
  issuer = '';

  constructor(options: IdentityProviderOptions) {
    this.#options = options;
    this.#browsers = [...(options.browsers ?? [])];
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  get jwksUri(): string {
    return `${this.issuer}/jwks`;
  }

  get tokenEndpoint(): string {
    return `${this.issuer}/token`;
  }

  get authorizationEndpoint(): string {
    return `${this.issuer}/auth`;
  }

  /** The private signing keys, newest first: for hand-minting tokens in negative tests only. */
  get privateKeys(): readonly JWK[] {
    return this.#keys;
  }

  /** The `kid`s of the keys the provider signs with now (the first of each algorithm). */
  get signingKids(): string[] {
    const seen = new Set<string>();
    const kids: string[] = [];
    for (const key of this.#keys) {
      if (key.alg === undefined || seen.has(key.alg)) continue;
      seen.add(key.alg);
      kids.push(key.kid as string);
    }
    return kids;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(this.#options.port ?? 0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    this.#keys = await newKeyGeneration();
    this.#rebuild();
    return this;
  }

  #rebuild(): void {
    const provider = new Provider(this.issuer, providerConfiguration({ ...this.#options, browsers: this.#browsers }, this.#keys));
    this.#callback = provider.callback();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.split('?', 1)[0] === '/jwks') {
      this.jwksFetches++;
      if (this.jwksMode === 'hang') return; // never answers: the client's fetch timeout must end it
      if (this.jwksMode === 'down') {
        res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' }).end('JWKS unavailable');
        return;
      }
    }
    this.#callback?.(req, res);
  }

  /**
   * Rotates the signing keys: a new RS256 and ES256 key sign from now on; the previous ones stay
   * published so tokens they signed verify until they expire. Returns the new kids.
   */
  async rotateKeys(): Promise<string[]> {
    this.#keys = [...(await newKeyGeneration()), ...this.#keys];
    this.#rebuild();
    return this.signingKids;
  }

  /** Stops publishing every key but the current signing ones (the end of a rotation). */
  retireOldKeys(): void {
    const current = new Set(this.signingKids);
    this.#keys = this.#keys.filter((k) => current.has(k.kid as string));
    this.#rebuild();
  }

  /** Registers a browser client (e.g. Swagger UI, once its redirect URI is known). */
  addBrowserClient(client: BrowserClient): void {
    this.#browsers.push(client);
    this.#rebuild();
  }

  /** A client-credentials access token, fetched from the token endpoint as a service would. */
  async serviceToken(clientId: string, secret: string, options: { resource?: string; scope?: string } = {}): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.resource !== undefined) body.set('resource', options.resource);
    if (options.scope !== undefined) body.set('scope', options.scope);
    const response = await fetch(this.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      },
      body,
    });
    const json = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (json.access_token === undefined) throw new Error(`token endpoint: ${json.error}: ${json.error_description}`);
    return json.access_token;
  }

  /** A user's access token through the authorization code flow with PKCE, signing in with the login form. */
  userToken(login: UserLogin): Promise<string> {
    return userToken(this.issuer, login);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Starts a provider on a loopback port. */
export function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  return new IdentityProvider(options).start();
}
