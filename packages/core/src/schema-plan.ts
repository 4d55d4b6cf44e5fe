// Decisions taken once per schema, at start-up: how to parse it fastest, and whether its parse
// already isolates the result from the value it was given (so the in-memory transport need not
// copy that value first).
import * as z from 'zod';
import type { Schema } from './validation.js';

/** Returned by `Parser.parse` for a value that failed; the error is then in `failure.error`. */
export const FAILED: unique symbol = Symbol('wharf.parse-failed');

/** Where `Parser.parse` leaves the error of the value it just failed (read it before parsing again). */
export const failure: { error: z.ZodError | undefined } = { error: undefined };

function isZodError(error: unknown): error is z.ZodError {
  return error instanceof Error && error.name === 'ZodError' && Array.isArray((error as z.ZodError).issues);
}

interface Def {
  readonly type: string;
  readonly [key: string]: unknown;
}

function defOf(schema: unknown): Def | undefined {
  const zod = (schema as { _zod?: { def?: Def } } | undefined)?._zod;
  return zod?.def;
}

// Kinds whose parse yields an immutable primitive (or nothing at all, for `never`): nothing of
// the input can be shared through them.
const PRIMITIVE = new Set([
  'string',
  'number',
  'int',
  'boolean',
  'bigint',
  'null',
  'undefined',
  'void',
  'never',
  'nan',
  'enum',
  'literal',
  'template_literal',
]);

// Kinds that only pass their inner schema's result on (`readonly` freezes it, `default` and
// `prefault` substitute a value from the schema, never from the caller).
const WRAPPER = new Set(['optional', 'nullable', 'nonoptional', 'readonly', 'default', 'prefault']);

/**
 * True when parsing with `schema` builds its result afresh from primitives, so the result shares
 * no object with the input and no code of the schema's author ever sees the input itself (only
 * values already rebuilt). Proven from the schema's structure; anything that is not provable is
 * false: `any`, `unknown`, `custom`/`instanceof`, transforms, preprocess, codecs, `catch` (its
 * callback sees the input), dates, maps, sets, files, functions, promises, symbols (they cannot be
 * sent, so the copy must refuse them), loose objects and records, `lazy` and any cycle.
 */
export function parseCopies(schema: Schema): boolean {
  return fresh(schema, new Set());
}

function fresh(schema: unknown, path: Set<unknown>): boolean {
  const def = defOf(schema);
  if (def === undefined || path.has(schema)) return false;
  if (PRIMITIVE.has(def.type)) return true;
  path.add(schema);
  try {
    return freshComposite(def, path);
  } catch {
    // A shape getter that throws (a bad `pick`, say) is not something to prove anything about.
    return false;
  } finally {
    path.delete(schema);
  }
}

function freshComposite(def: Def, path: Set<unknown>): boolean {
  const all = (schemas: unknown) => Array.isArray(schemas) && schemas.every((s) => fresh(s, path));
  if (WRAPPER.has(def.type)) return fresh(def.innerType, path);
  switch (def.type) {
    case 'object': {
      // Without a catchall, keys outside the shape are stripped; `strictObject`'s catchall is
      // `never`, `looseObject`'s is `unknown` (passed through as is).
      const shape = def.shape as Record<string, unknown> | undefined;
      if (shape === undefined || Object.getOwnPropertySymbols(shape).length > 0) return false;
      if (def.catchall !== undefined && !fresh(def.catchall, path)) return false;
      return Object.keys(shape).every((key) => fresh(shape[key], path));
    }
    case 'array':
      return fresh(def.element, path);
    case 'tuple':
      return all(def.items) && (def.rest === undefined || def.rest === null || fresh(def.rest, path));
    case 'record':
      return def.mode !== 'loose' && fresh(def.keyType, path) && fresh(def.valueType, path);
    case 'union':
      return all(def.options);
    case 'intersection':
      // Merges the two results, both already rebuilt, into new objects and arrays.
      return fresh(def.left, path) && fresh(def.right, path);
    case 'pipe':
      // A codec is a pipe with the author's transforms in it.
      return def.transform === undefined && fresh(def.in, path) && fresh(def.out, path);
    default:
      return false;
  }
}

const ours = (z as { core?: { version?: { major: number; minor: number } } }).core?.version;
const compile = (z as { compile?: (schema: Schema) => Schema }).compile;

function compilable(schema: Schema): boolean {
  const theirs = (schema as { _zod?: { version?: { major: number; minor: number } } })._zod?.version;
  // z.compile reads the schema's internals: only trust it on schemas from the same zod release line.
  if (compile === undefined || ours === undefined || theirs === undefined) return false;
  if (theirs.major !== ours.major || theirs.minor !== ours.minor) return false;
  return (z as { config?: () => { jitless?: boolean } }).config?.().jitless !== true;
}

/**
 * The fastest parse of a schema with exactly its own results: zod's ahead-of-time compiled parser
 * (~10x faster than the interpreter on plain objects), which hands any failure to the interpreter
 * so the issues are the interpreter's own. Used only when zod reports the compiled code
 * `definite` — it runs no refinement, transform or custom check of the schema's author — since a
 * failing input is parsed twice and such callbacks must run once. (zod counts default factories
 * as data: a failing input may call one twice.) One class for both kinds, so the call that parses
 * every request's input stays monomorphic however many schemas an app has.
 */
export class Parser {
  readonly #schema: Schema;
  readonly #compiled: Schema | undefined;

  constructor(schema: Schema) {
    this.#schema = schema;
    this.#compiled = compiledOf(schema);
  }

  /** The output, or FAILED with the error in `failure.error`; no result object per call. */
  parse(value: unknown): unknown {
    const compiled = this.#compiled;
    if (compiled === undefined) {
      const result = this.#schema.safeParse(value);
      if (result.success) return result.data;
      failure.error = result.error;
      return FAILED;
    }
    // `parse` rather than `safeParse`: no result object on success. With no code of the author's
    // inside, what it throws is the interpreter's ZodError for an invalid value.
    try {
      return compiled.parse(value);
    } catch (error) {
      if (!isZodError(error)) throw error;
      failure.error = error;
      return FAILED;
    }
  }
}

// One compiled parser per schema, however many endpoints and apps use it: compiling is not free,
// and apps sharing a contract then share one parser, so the call into it stays monomorphic.
const compiledBySchema = new WeakMap<Schema, Schema | null>();

function compiledOf(schema: Schema): Schema | undefined {
  let compiled = compiledBySchema.get(schema);
  if (compiled === undefined) {
    compiled = compileIfDefinite(schema) ?? null;
    compiledBySchema.set(schema, compiled);
  }
  return compiled ?? undefined;
}

function compileIfDefinite(schema: Schema): Schema | undefined {
  if (!compilable(schema)) return undefined;
  try {
    const compiled = (compile as (schema: Schema) => Schema)(schema);
    const validator = (compiled as { _zod?: { bag?: { validator?: { definite?: boolean } } } })._zod?.bag?.validator;
    return compiled === schema || validator?.definite !== true ? undefined : compiled;
  } catch {
    return undefined;
  }
}
