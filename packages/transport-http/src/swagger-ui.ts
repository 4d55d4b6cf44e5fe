import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One static file of the Swagger UI page. */
export interface StaticAsset {
  readonly contentType: string;
  /** Loaded on first request and kept: the bundle is ~1.5 MB that most servers never send. */
  body(): Buffer;
}

const require = createRequire(import.meta.url);

function file(name: string, contentType: string): StaticAsset {
  let cached: Buffer | undefined;
  return {
    contentType,
    body() {
      cached ??= readFileSync(join(dirname(require.resolve('swagger-ui-dist/package.json')), name));
      return cached;
    },
  };
}

function text(content: string, contentType: string): StaticAsset {
  const buffer = Buffer.from(content);
  return { contentType, body: () => buffer };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The Swagger UI page and its assets, served from the `swagger-ui-dist` package (no CDN), keyed by
 * path under `base` (`/docs`). The page's script is a file, not inline, so a strict CSP holds.
 */
export function swaggerUiAssets(base: string, specUrl: string, title: string): ReadonlyMap<string, StaticAsset> {
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
  const init = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(specUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;
  return new Map([
    [base, text(html, 'text/html; charset=utf-8')],
    [`${base}/swagger-initializer.js`, text(init, 'text/javascript; charset=utf-8')],
    [`${base}/swagger-ui.css`, file('swagger-ui.css', 'text/css; charset=utf-8')],
    [`${base}/swagger-ui-bundle.js`, file('swagger-ui-bundle.js', 'text/javascript; charset=utf-8')],
    [`${base}/favicon-32x32.png`, file('favicon-32x32.png', 'image/png')],
  ]);
}

/** Content-Security-Policy of the docs page: everything from this origin, nothing inline but styles. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
