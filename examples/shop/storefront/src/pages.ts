import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpExtraRoute } from '@wharf/transport-http';

const PUBLIC = new URL('../public/', import.meta.url);

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
};

/** What the page needs to sign in: the provider, its public client, the API's audience. */
export interface StorefrontSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly audience: string;
}

function file(name: string): { body: Buffer; type: string } {
  return { body: readFileSync(new URL(name, PUBLIC)), type: TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream' };
}

/**
 * The storefront as routes of the gateway: a plain page (no framework, no build step), its script
 * and styles, and its settings. The page may run scripts from the gateway only, and talk to the
 * gateway and the provider's token endpoint only.
 */
export function storefrontRoutes(settings: StorefrontSettings): HttpExtraRoute[] {
  const page = file('index.html');
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(settings.issuer).origin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  const serve =
    ({ body, type }: { body: Buffer; type: string }) =>
    (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, {
        'content-type': type,
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      res.end(body);
    };
  const config = { body: Buffer.from(JSON.stringify(settings)), type: TYPES.json as string };
  return [
    { path: '/', handler: serve(page) },
    { path: '/callback', handler: serve(page) },
    { path: '/app.js', handler: serve(file('app.js')) },
    { path: '/style.css', handler: serve(file('style.css')) },
    { path: '/storefront.json', handler: serve(config) },
  ];
}
