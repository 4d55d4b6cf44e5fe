import type * as z from 'zod';
import type { ServerCall } from '../context.js';
import { hasInputStream, hasOutputStream, type RpcEndpoint } from '../endpoint.js';
import { WharfError } from '../errors.js';
import { DIRECT, type EndpointMiddleware, type Fusable, INPUT, type Run } from '../pipeline.js';
import { FAILED, failure, fastParse, parseCopies } from '../schema-plan.js';
import { mapStream } from '../stream.js';
import { fieldViolations, parserOf } from '../validation.js';

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
      const parseInput = parserOf(endpoint.input, what);
      const checkOutput = endpoint.kind === 'rpc' && (endpoint.validateOutput ?? options.output ?? false);
      const validateInput = (call: ServerCall) => {
        call.input = inputStream ? mapStream(call.input as AsyncIterable<unknown>, parseInput) : parseInput(call.input);
      };
      let direct: (inner: Run<ServerCall>) => Run<ServerCall>;
      if (!checkOutput || endpoint.kind !== 'rpc') {
        direct = (inner) => (call) => {
          validateInput(call);
          return inner(call);
        };
      } else {
        const parseOutput = outputParser(endpoint);
        const outputStream = hasOutputStream(endpoint.stream);
        direct = (inner) => (call) => {
          validateInput(call);
          return inner(call).then((out) =>
            outputStream ? mapStream(out as AsyncIterable<unknown>, (value) => parseOutput(call, value)) : parseOutput(call, out),
          );
        };
      }
      const middleware: Fusable<ServerCall> = (call, next) => direct(next)(call);
      middleware[DIRECT] = direct;
      // A stream's elements are parsed as they flow, after the handler has the stream itself.
      if (!inputStream && parseCopies(endpoint.input)) middleware[INPUT] = 'copies';
      return middleware;
    },
  };
}

function outputParser(endpoint: RpcEndpoint): (call: ServerCall, value: unknown) => unknown {
  const parse = fastParse(endpoint.output);
  return (call, value) => {
    const output = parse(value);
    if (output !== FAILED) return output;
    // A handler that breaks its own contract is a server bug: log the details, tell the caller little.
    call.log.error(
      { fieldViolations: fieldViolations(failure.error as z.ZodError) },
      `${endpoint.source} returned an output that does not match its schema`,
    );
    throw new WharfError('INTERNAL', `Internal error (request id ${call.requestId})`);
  };
}
