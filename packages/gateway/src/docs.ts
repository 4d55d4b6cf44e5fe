import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Swagger UI's sign-in: the authorization server and the public client it uses (code flow + PKCE). */
export interface DocsOAuth {
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  /** The public client registered for Swagger UI, with `<gateway>/docs/oauth2-redirect.html` as redirect URI. */
  readonly clientId: string;
  /** Scopes offered at sign-in, with descriptions. */
  readonly scopes?: Readonly<Record<string, string>>;
  /** Extra authorization request parameters, e.g. `{ resource: 'urn:shop' }` (RFC 8707). */
  readonly params?: Readonly<Record<string, string>>;
}

const require = createRequire(import.meta.url);
const DIST = () => dirname(require.resolve('swagger-ui-dist/package.json'));

interface Asset {
  readonly type: string;
  readonly body: () => Buffer;
}

function file(name: string, type: string): Asset {
  let cached: Buffer | undefined;
  return { type, body: () => (cached ??= readFileSync(join(DIST(), name))) };
}

/**
 * The docs pages at `base` (`/docs`): Swagger UI over the merged document at `specUrl`, with its
 * OAuth 2.0 sign-in wired to the authorization server (authorization code + PKCE, no client
 * secret in the page). The CSP allows scripts from this origin only and network calls to this
 * origin and the token endpoint.
 */
export function docsPages(base: string, specUrl: string, title: string, oauth: DocsOAuth | undefined) {
  const html = Buffer.from(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)} — API docs</title>
    <link rel="stylesheet" href="${base}/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${base}/swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="${base}/swagger-initializer.js" charset="utf-8"></script>
  </body>
</html>
`);
  const init = Buffer.from(`window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(specUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    oauth2RedirectUrl: window.location.origin + ${JSON.stringify(`${base}/oauth2-redirect.html`)},
    persistAuthorization: false,
  });
  ${
    oauth === undefined
      ? ''
      : `window.ui.initOAuth(${JSON.stringify({
          clientId: oauth.clientId,
          usePkceWithAuthorizationCodeGrant: true,
          scopes: Object.keys(oauth.scopes ?? {}),
          additionalQueryStringParams: oauth.params ?? {},
        })});`
  }
};
`);
  const tokenOrigin = oauth === undefined ? '' : ` ${new URL(oauth.tokenUrl).origin}`;
  const csp = `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'${tokenOrigin}; frame-ancestors 'none'`;
  const assets = new Map<string, Asset>([
    [base, { type: 'text/html; charset=utf-8', body: () => html }],
    [`${base}/swagger-initializer.js`, { type: 'text/javascript; charset=utf-8', body: () => init }],
    [`${base}/swagger-ui.css`, file('swagger-ui.css', 'text/css; charset=utf-8')],
    [`${base}/swagger-ui-bundle.js`, file('swagger-ui-bundle.js', 'text/javascript; charset=utf-8')],
    [`${base}/oauth2-redirect.html`, file('oauth2-redirect.html', 'text/html; charset=utf-8')],
    [`${base}/oauth2-redirect.js`, file('oauth2-redirect.js', 'text/javascript; charset=utf-8')],
  ]);
  /** Answers a GET of one of the pages; false for any other path. */
  return (path: string, res: ServerResponse): boolean => {
    const asset = assets.get(path);
    if (asset === undefined) return false;
    res.statusCode = 200;
    res.setHeader('content-type', asset.type);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', csp);
    res.setHeader('cache-control', path.endsWith('.js') || path.endsWith('.css') ? 'public, max-age=3600' : 'no-cache');
    res.end(asset.body());
    return true;
  };
}
