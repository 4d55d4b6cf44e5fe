import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DocsOAuth } from './options.js';

/** One static file of the Swagger UI page. */
export interface StaticAsset {
  readonly contentType: string;
  /** The Content-Security-Policy of a page; undefined for scripts, styles and images. */
  readonly csp?: string;
  /** Loaded on first request and kept: the bundle is ~1.5 MB that most servers never send. */
  body(): Buffer;
}

const require = createRequire(import.meta.url);

function file(name: string, contentType: string, csp?: string): StaticAsset {
  let cached: Buffer | undefined;
  return {
    contentType,
    csp,
    body() {
      cached ??= readFileSync(join(dirname(require.resolve('swagger-ui-dist/package.json')), name));
      return cached;
    },
  };
}

function text(content: string, contentType: string, csp?: string): StaticAsset {
  const buffer = Buffer.from(content);
  return { contentType, csp, body: () => buffer };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Content-Security-Policy of the docs pages: everything from this origin, nothing inline but
 * styles; with sign-in, network calls to the token endpoint's origin too.
 */
export function docsCsp(oauth?: DocsOAuth): string {
  const token = oauth === undefined ? '' : ` ${new URL(oauth.tokenUrl).origin}`;
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'${token}; frame-ancestors 'none'`;
}

/**
 * The Swagger UI page and its assets, served from the `swagger-ui-dist` package (no CDN), keyed by
 * path under `base` (`/docs`). The page's script is a file, not inline, so a strict CSP holds.
 * With `oauth`, the Authorize button signs in with the authorization code flow and PKCE, and the
 * page that receives the code (`oauth2-redirect.html`) is served too.
 */
export function swaggerUiAssets(
  base: string,
  specUrl: string,
  title: string,
  oauth?: DocsOAuth,
): ReadonlyMap<string, StaticAsset> {
  const csp = docsCsp(oauth);
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${escapeHtml(title)} — API docs</title>
    <link rel="stylesheet" href="${base}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${base}/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${base}/swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="${base}/swagger-initializer.js" charset="utf-8"></script>
  </body>
</html>
`;
  const signIn =
    oauth === undefined
      ? ''
      : `  window.ui.initOAuth(${JSON.stringify({
          clientId: oauth.clientId,
          usePkceWithAuthorizationCodeGrant: true,
          scopes: oauth.scopes ?? [],
          additionalQueryStringParams: oauth.params ?? {},
        })});
`;
  const init = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(specUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    oauth2RedirectUrl: window.location.origin + ${JSON.stringify(`${base}/oauth2-redirect.html`)},
  });
${signIn}};
`;
  const assets = new Map<string, StaticAsset>([
    [base, text(html, 'text/html; charset=utf-8', csp)],
    [`${base}/swagger-initializer.js`, text(init, 'text/javascript; charset=utf-8')],
    [`${base}/swagger-ui.css`, file('swagger-ui.css', 'text/css; charset=utf-8')],
    [`${base}/swagger-ui-bundle.js`, file('swagger-ui-bundle.js', 'text/javascript; charset=utf-8')],
    [`${base}/favicon-32x32.png`, file('favicon-32x32.png', 'image/png')],
  ]);
  if (oauth !== undefined) {
    assets.set(`${base}/oauth2-redirect.html`, file('oauth2-redirect.html', 'text/html; charset=utf-8', csp));
    assets.set(`${base}/oauth2-redirect.js`, file('oauth2-redirect.js', 'text/javascript; charset=utf-8'));
  }
  return assets;
}
