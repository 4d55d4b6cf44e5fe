import type { ServerCall } from '../context.js';
import { type Endpoint, hasInputStream, hasOutputStream } from '../endpoint.js';
import { WharfError } from '../errors.js';
import type { EndpointMiddleware, ServerMiddleware } from '../pipeline.js';
import { mapStream } from '../stream.js';
import { fieldViolations, parseOrThrow } from '../validation.js';

/** Options of the built-in validation middleware. */
export interface ValidationOptions {
  /** Validate handler outputs too (a failure is the server's bug: INTERNAL, logged). Default false. */
  readonly output?: boolean;
}

/**
 * Built-in server middleware: parses the input with the endpoint's schema (INVALID_ARGUMENT with
 * every failing field on failure) and, when enabled, the output. Stream elements are checked one
 * by one as they flow.
 */
export function validation(options: ValidationOptions = {}): EndpointMiddleware {
  return {
    name: 'validation',
    forEndpoint(endpoint) {
      const what = endpoint.kind === 'event' ? 'event payload' : 'input';
      const inputStream = endpoint.kind === 'rpc' && hasInputStream(endpoint.stream);
      const parseInput = (value: unknown) => parseOrThrow(endpoint.input, value, what);
      const checkOutput = endpoint.kind === 'rpc' && (endpoint.validateOutput ?? options.output ?? false);
      const validate: ServerMiddleware = (call, next) => {
        call.input = inputStream ? mapStream(call.input as AsyncIterable<unknown>, parseInput) : parseInput(call.input);
        return next();
      };
      if (!checkOutput || endpoint.kind !== 'rpc') return validate;
      const parseOutput = (call: ServerCall) => (value: unknown) => outputOrInternal(endpoint, call, value);
      const outputStream = hasOutputStream(endpoint.stream);
      return (call, next) =>
        validate(call, next).then((out) =>
          outputStream ? mapStream(out as AsyncIterable<unknown>, parseOutput(call)) : parseOutput(call)(out),
        );
    },
  };
}

function outputOrInternal(endpoint: Endpoint, call: ServerCall, value: unknown): unknown {
  if (endpoint.kind !== 'rpc') return value;
  const result = endpoint.output.safeParse(value);
  if (result.success) return result.data;
  // A handler that breaks its own contract is a server bug: log the details, tell the caller little.
  call.log.error(
    { fieldViolations: fieldViolations(result.error) },
    `${endpoint.source} returned an output that does not match its schema`,
  );
  throw new WharfError('INTERNAL', `Internal error (request id ${call.requestId})`);
}
