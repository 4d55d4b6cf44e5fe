import type * as z from 'zod';

/** A zod schema: what every input, output and event payload is declared with. */
export type Schema = z.ZodType;
