import type * as z from 'zod';
import type { ServerCall } from '../context.js';
import { type Endpoint, hasInputStream, hasOutputStream } from '../endpoint.js';
import { WharfError } from '../errors.js';
import { DIRECT, type EndpointMiddleware, type Fusable, INPUT, type Layer } from '../pipeline.js';
import { FAILED, failure, Parser, parseCopies } from '../schema-plan.js';
import { mapStream } from '../stream.js';
import { fieldViolations, parseWith } from '../validation.js';

/** Options of the built-in validation middleware. */
export interface ValidationOptions {
  /** Validate handler outputs too (a failure is the server's bug: INTERNAL, logged). Default false. */
  readonly output?: boolean;
}

/** What one endpoint's validation checks, decided when its pipeline is composed. */
interface Plan {
  readonly endpoint: Endpoint;
  readonly input: Parser;
  readonly what: string;
  readonly inputStream: boolean;
  /** The output's parser when outputs are checked. */
  readonly output: Parser | undefined;
  readonly outputStream: boolean;
}

function checkOutput(plan: Plan, output: Parser, call: ServerCall, value: unknown): unknown {
  const parsed = output.parse(value);
  if (parsed !== FAILED) return parsed;
  // A handler that breaks its own contract is a server bug: log the details, tell the caller little.
  call.log.error(
    { fieldViolations: fieldViolations(failure.error as z.ZodError) },
    `${plan.endpoint.source} returned an output that does not match its schema`,
  );
  throw new WharfError('INTERNAL', `Internal error (request id ${call.requestId})`);
}

class ValidationLayer implements Layer<ServerCall> {
  readonly #plan: Plan;
  readonly #inner: Layer<ServerCall>;

  constructor(plan: Plan, inner: Layer<ServerCall>) {
    this.#plan = plan;
    this.#inner = inner;
  }

  run(call: ServerCall): Promise<unknown> {
    const plan = this.#plan;
    const input = plan.input;
    call.input = plan.inputStream
      ? mapStream(call.input as AsyncIterable<unknown>, (value) => parseWith(input, value, plan.what))
      : parseWith(input, call.input, plan.what);
    const output = plan.output;
    if (output === undefined) return this.#inner.run(call);
    return this.#inner
      .run(call)
      .then((out) =>
        plan.outputStream
          ? mapStream(out as AsyncIterable<unknown>, (value) => checkOutput(plan, output, call, value))
          : checkOutput(plan, output, call, out),
      );
  }
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
      const rpc = endpoint.kind === 'rpc' ? endpoint : undefined;
      const checksOutput = rpc !== undefined && (rpc.validateOutput ?? options.output ?? false);
      const plan: Plan = {
        endpoint,
        input: new Parser(endpoint.input),
        what: rpc === undefined ? 'event payload' : 'input',
        inputStream: rpc !== undefined && hasInputStream(rpc.stream),
        output: rpc !== undefined && checksOutput ? new Parser(rpc.output) : undefined,
        outputStream: rpc !== undefined && hasOutputStream(rpc.stream),
      };
      const middleware: Fusable<ServerCall> = (call, next) => new ValidationLayer(plan, { run: next }).run(call);
      middleware[DIRECT] = (inner) => new ValidationLayer(plan, inner);
      // A stream's elements are parsed as they flow, after the handler has the stream itself.
      if (!plan.inputStream && parseCopies(endpoint.input)) middleware[INPUT] = 'copies';
      return middleware;
    },
  };
}
