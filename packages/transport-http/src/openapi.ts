import { ERROR_CODES, hasInputStream, hasOutputStream, type RpcRef } from '@wharf/core/transport';
import { type JsonSchema, SchemaDefinitions } from './json-schema.js';
import type { HttpRouteOptions, OpenApiOptions } from './options.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { REQUEST_ID_HEADER } from './response.js';
import { isBodyless, normalisePrefix, openApiPath, routeOf } from './route.js';

/** A service as the generator needs it: a service definition (`app.services`) or a contract. */
export type OpenApiService =
  | { readonly name: string; readonly version: string; readonly description?: string; readonly rpcs: readonly RpcRef[] }
  | {
      readonly name: string;
      readonly version: string;
      readonly description?: string;
      readonly methods: { readonly [name: string]: RpcRef };
    };

/** An OpenAPI 3.1 document (plain JSON). */
export type OpenApiDocument = Record<string, unknown> & { readonly openapi: '3.1.0'; readonly paths: Record<string, unknown> };

function rpcsOf(service: OpenApiService): readonly RpcRef[] {
  return 'rpcs' in service ? service.rpcs : Object.values(service.methods);
}

/** The RPCs HTTP serves: unary and server streams (client and bidi streams answer 501 and are left out). */
export function servedOverHttp(ref: RpcRef): boolean {
  return !hasInputStream(ref.stream);
}

const JSON_MEDIA_TYPE = 'application/json';
const NDJSON_MEDIA_TYPE = 'application/x-ndjson';

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'An RFC 9457 problem, with the canonical Wharf error code.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: '`urn:wharf:error:<code>`' },
    title: { type: 'string', description: 'The code in words.' },
    status: { type: 'integer', description: 'The HTTP status.' },
    detail: { type: 'string', description: 'What went wrong, and what to do about it.' },
    code: { type: 'string', enum: [...ERROR_CODES] },
    details: {
      type: 'object',
      additionalProperties: true,
      properties: {
        fieldViolations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'description'],
            properties: { field: { type: 'string' }, description: { type: 'string' }, code: { type: 'string' } },
          },
        },
      },
    },
    requestId: { type: 'string' },
  },
};

function problemResponse(description: string) {
  return {
    description,
    headers: { [REQUEST_ID_HEADER]: { $ref: '#/components/headers/RequestId' } },
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

function without(schema: JsonSchema, names: readonly string[]): JsonSchema {
  if (names.length === 0) return schema;
  const properties = { ...(schema.properties as Record<string, unknown> | undefined) };
  for (const name of names) delete properties[name];
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => !names.includes(r as string)) : undefined;
  const out: JsonSchema = { ...schema, properties };
  if (required === undefined || required.length === 0) delete out.required;
  else out.required = required;
  return out;
}

function parameter(name: string, where: 'path' | 'query', schema: JsonSchema, required: boolean) {
  const { description, ...rest } = (schema.properties as Record<string, JsonSchema> | undefined)?.[name] ?? {
    type: 'string',
  };
  const out: Record<string, unknown> = { name, in: where, required: where === 'path' || required, schema: rest };
  if (typeof description === 'string') out.description = description;
  return out;
}

function operationIds(refs: readonly RpcRef[]): Map<RpcRef, string> {
  const majors = new Map<string, Set<number>>();
  for (const ref of refs) {
    const set = majors.get(ref.service) ?? new Set();
    set.add(ref.major);
    majors.set(ref.service, set);
  }
  return new Map(
    refs.map((ref) => [
      ref,
      (majors.get(ref.service)?.size ?? 1) > 1 ? `${ref.service}_v${ref.major}_${ref.name}` : `${ref.service}_${ref.name}`,
    ]),
  );
}

/**
 * The OpenAPI 3.1 document for the RPCs of `services`, as the HTTP transport routes them:
 * operation ids `<service>_<method>`, path and query parameters, JSON request and response bodies
 * from the zod schemas (inputs as accepted, outputs as sent), problem+json errors, and the
 * security schemes given in `options`.
 */
export function openApiDocument(services: readonly OpenApiService[], options: OpenApiOptions = {}): OpenApiDocument {
  const prefix = normalisePrefix(options.prefix);
  const definitions = new SchemaDefinitions();
  const refs = services.flatMap(rpcsOf).filter(servedOverHttp);
  const ids = operationIds(refs);
  const paths: Record<string, Record<string, unknown>> = {};

  for (const ref of refs) {
    const route = routeOf(ref);
    const id = ids.get(ref) as string;
    const input = definitions.convert(ref.input, 'input', id);
    const output = definitions.convert(ref.output, 'output', id);
    const bodyless = isBodyless(route.method);
    const required = new Set(Array.isArray(input.required) ? (input.required as string[]) : []);
    const parameters = route.params.map((name) => parameter(name, 'path', input, true));
    if (bodyless && input.properties !== undefined) {
      for (const name of Object.keys(input.properties as object)) {
        if (!route.params.includes(name)) parameters.push(parameter(name, 'query', input, required.has(name)));
      }
    }
    const streams = hasOutputStream(ref.stream);
    const operation: Record<string, unknown> = {
      operationId: id,
      tags: [ref.service],
      summary: ref.description ?? ref.fullName,
      'x-wharf-rpc': ref.fullName,
    };
    if (ref.description !== undefined) operation.description = ref.description;
    if (streams) {
      operation.description = `${ref.description ?? ref.fullName}\n\nServer stream: the response is NDJSON, one message per line; a failure after the first message ends the stream with one problem line.`;
      operation['x-wharf-stream'] = ref.stream;
    }
    if (parameters.length > 0) operation.parameters = parameters;
    if (!bodyless) {
      const body = without(input, route.params);
      operation.requestBody = {
        required: Array.isArray(body.required) && body.required.length > 0,
        content: { 'application/json': { schema: body } },
      };
    }
    const responses: Record<string, unknown> = {
      [String(route.status)]: {
        description: streams ? 'A stream of messages, one JSON object per line' : 'The output',
        headers: { [REQUEST_ID_HEADER]: { $ref: '#/components/headers/RequestId' } },
        content: { [streams ? NDJSON_MEDIA_TYPE : JSON_MEDIA_TYPE]: { schema: output } },
      },
      '400': { $ref: '#/components/responses/InvalidArgument' },
    };
    if (!bodyless) {
      responses['413'] = { $ref: '#/components/responses/TooLarge' };
      responses['415'] = { $ref: '#/components/responses/UnsupportedMediaType' };
    }
    responses.default = { $ref: '#/components/responses/Error' };
    operation.responses = responses;
    const security = (ref.http as HttpRouteOptions | undefined)?.security;
    if (security !== undefined) operation.security = security;

    const path = prefix + openApiPath(route.path);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = operation;
  }

  const only = services.length === 1 ? services[0] : undefined;
  const info: Record<string, unknown> = {
    title: options.title ?? (only ? only.name : 'Wharf API'),
    version: options.version ?? only?.version ?? '1.0.0',
  };
  const description = options.description ?? only?.description;
  if (description !== undefined) info.description = description;

  const components: Record<string, unknown> = {
    schemas: { Problem: PROBLEM_SCHEMA, ...definitions.schemas },
    headers: {
      RequestId: {
        description: 'The request id: the caller’s `x-request-id` when it sent a sane one, otherwise a new one.',
        schema: { type: 'string' },
      },
    },
    responses: {
      InvalidArgument: problemResponse('Invalid input (code INVALID_ARGUMENT, with details.fieldViolations) or malformed JSON'),
      TooLarge: problemResponse('The request body is over the size limit (code RESOURCE_EXHAUSTED)'),
      UnsupportedMediaType: problemResponse('The request body is not application/json (code INVALID_ARGUMENT)'),
      Error: problemResponse('An error; `code` is the canonical code, the status follows it'),
    },
  };
  if (options.securitySchemes !== undefined) components.securitySchemes = options.securitySchemes;

  const document: Record<string, unknown> = { openapi: '3.1.0', info };
  if (options.servers !== undefined) document.servers = options.servers;
  const tags = new Map<string, Record<string, string>>();
  for (const s of services) {
    if (!tags.has(s.name))
      tags.set(s.name, s.description === undefined ? { name: s.name } : { name: s.name, description: s.description });
  }
  document.tags = [...tags.values()];
  document.paths = paths;
  document.components = components;
  if (options.security !== undefined) document.security = options.security;
  return document as OpenApiDocument;
}
