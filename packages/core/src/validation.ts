import type * as z from 'zod';
import { type FieldViolation, WharfError } from './errors.js';
import { FAILED, failure, type Parser } from './schema-plan.js';

/** Any zod 4 schema. */
export type Schema = z.ZodType;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Formats a zod issue path as `items[0].qty`; the root is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}

/** Every failing field of a zod error, in the order zod reports them. */
export function fieldViolations(error: z.ZodError): FieldViolation[] {
  return error.issues.map((issue) => ({ field: formatPath(issue.path), description: issue.message, code: issue.code }));
}

function summary(what: string, violations: readonly FieldViolation[]): string {
  const shown = violations.slice(0, 3).map((v) => `${v.field}: ${v.description}`);
  const more = violations.length > 3 ? `; and ${violations.length - 3} more` : '';
  return `Invalid ${what}: ${shown.join('; ')}${more}`;
}

function invalid(what: string, error: z.ZodError): WharfError {
  const violations = fieldViolations(error);
  return new WharfError('INVALID_ARGUMENT', summary(what, violations), { fieldViolations: violations });
}

/**
 * Parses `value` with `schema`. On failure throws INVALID_ARGUMENT listing every failing field
 * path in `details.fieldViolations`; `what` names the value in the message ("input", "event payload").
 */
export function parseOrThrow<S extends Schema>(schema: S, value: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalid(what, result.error);
}

/** `parseOrThrow` with a parser prepared once (compiled where zod can) for a parse on every request. */
export function parseWith(parser: Parser, value: unknown, what: string): unknown {
  const output = parser.parse(value);
  if (output === FAILED) throw invalid(what, failure.error as z.ZodError);
  return output;
}

/** True when `value` looks like a zod 4 schema (checked structurally so two zod copies interoperate). */
export function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && '_zod' in value && typeof (value as Schema).safeParse === 'function';
}
