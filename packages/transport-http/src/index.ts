// The whole public surface of @wharf/transport-http.
export { isJsonContentType } from './body.js';
export { HTTP_ENV, httpTransport } from './env.js';
export { type OpenApiDocument, type OpenApiService, openApiDocument } from './openapi.js';
export {
  DEFAULTS,
  type DocsOAuth,
  HTTP_METHODS,
  type HttpClientOptions,
  type HttpExtraRoute,
  type HttpMethod,
  type HttpRouteOptions,
  type HttpServerOptions,
  type HttpTransportOptions,
  type OpenApiOptions,
} from './options.js';
export {
  errorFromProblem,
  isWharfProblem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_PREFIX,
  type Problem,
  problemOf,
} from './problem.js';
export { exactPaths, type HttpRoute, routeOf as httpRouteOf } from './route.js';
export type { HttpTransport } from './transport.js';
