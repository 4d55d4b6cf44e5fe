import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TransportContext, TransportHost } from '@wharf/core/transport';
import { openApiDocument } from './openapi.js';
import { DEFAULTS, type HttpMethod, type HttpServerOptions } from './options.js';
import { JSON_CONTENT_TYPE } from './response.js';
import { type StaticAsset, swaggerUiAssets } from './swagger-ui.js';

/** A route the server adds beside the RPCs (a GET route answers HEAD too). */
export interface ExtraRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Health routes (and the user's `routes`) answer while draining, when everything else is refused. */
  readonly health: boolean;
}

/** The user's `routes`, the health routes, the OpenAPI document and Swagger UI, as the options ask. */
export function extraRoutes(host: TransportHost, app: TransportContext, o: HttpServerOptions, prefix: string): ExtraRoute[] {
  const routes: ExtraRoute[] = [];
  for (const route of o.routes ?? []) {
    routes.push({ method: route.method ?? 'GET', path: prefix + route.path, handler: route.handler, health: true });
  }
  if (o.health !== false) {
    routes.push({
      method: 'GET',
      path: prefix + (o.health?.live ?? DEFAULTS.livePath),
      health: true,
      handler: (_req, res) => {
        res.setHeader('cache-control', 'no-store');
        sendJsonBody(res, 200, '{"status":"live"}');
      },
    });
    routes.push({
      method: 'GET',
      path: prefix + (o.health?.ready ?? DEFAULTS.readyPath),
      health: true,
      handler: (_req, res) => {
        res.setHeader('cache-control', 'no-store');
        sendJsonBody(res, host.isReady() ? 200 : 503, readyBody(host));
      },
    });
  }
  if (o.openapi === false) return routes;
  const specPath = prefix + (o.openapi?.path ?? DEFAULTS.openapiPath);
  const document = openApiDocument(host.services, { title: app.appName, ...o.openapi, prefix });
  const spec = Buffer.from(JSON.stringify(document));
  routes.push({
    method: 'GET',
    path: specPath,
    health: false,
    handler: (_req, res) => {
      res.statusCode = 200;
      res.setHeader('content-type', JSON_CONTENT_TYPE);
      res.setHeader('cache-control', 'no-cache');
      res.end(spec);
    },
  });
  if (o.docs === false) return routes;
  const docsPath = prefix + (o.docs?.path ?? DEFAULTS.docsPath);
  for (const [path, asset] of swaggerUiAssets(docsPath, specPath, o.openapi?.title ?? app.appName, o.docs?.oauth)) {
    routes.push({ method: 'GET', path, health: false, handler: (_req, res) => sendAsset(res, asset) });
  }
  return routes;
}

function sendJsonBody(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', JSON_CONTENT_TYPE);
  res.end(body);
}

function sendAsset(res: ServerResponse, asset: StaticAsset): void {
  res.statusCode = 200;
  res.setHeader('content-type', asset.contentType);
  res.setHeader('x-content-type-options', 'nosniff');
  if (asset.csp !== undefined) {
    res.setHeader('content-security-policy', asset.csp);
    res.setHeader('cache-control', 'no-cache');
  } else {
    res.setHeader('cache-control', 'public, max-age=3600');
  }
  res.end(asset.body());
}

/** The readiness body: the status, and the reasons when there are any (holds, an unreachable registry). */
function readyBody(host: TransportHost): string {
  const health = host.health?.();
  const holds = health !== undefined && Object.keys(health.holds).length > 0 ? { holds: health.holds } : {};
  const registry = health?.registry === undefined ? {} : { registry: health.registry };
  if (host.isReady()) return JSON.stringify({ status: 'ready', ...registry });
  return JSON.stringify({ status: 'not ready', state: host.state, ...holds, ...registry });
}
