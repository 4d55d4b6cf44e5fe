import type * as z from 'zod';
import type { Context } from './context.js';
import type { StreamKind } from './endpoint.js';
import type { Schema } from './schema.js';

/** A handler for an RPC, typed from its schemas and stream kind. */
export type RpcHandler<I extends Schema, O extends Schema, S extends StreamKind = 'unary'> = [S] extends ['server']
  ? (input: z.output<I>, ctx: Context) => AsyncIterable<z.input<O>> | Promise<AsyncIterable<z.input<O>>>
  : [S] extends ['client']
    ? (input: AsyncIterable<z.output<I>>, ctx: Context) => Promise<z.input<O>>
    : [S] extends ['bidi']
      ? (input: AsyncIterable<z.output<I>>, ctx: Context) => AsyncIterable<z.input<O>>
      : (input: z.output<I>, ctx: Context) => Promise<z.input<O>> | z.input<O>;
