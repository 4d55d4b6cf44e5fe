// The contract the registry benchmark calls: one small idempotent method.
import { defineContract } from '@wharf/core';
import * as z from 'zod';

export const bench = defineContract({
  name: 'bench',
  version: '1.0.0',
  methods: {
    hello: { idempotent: true, input: z.object({ name: z.string() }), output: z.object({ message: z.string() }) },
  },
});

/** The handlers, shared by the server process and the in-process measurement. */
export const handlers = { hello: ({ name }: { name: string }) => ({ message: `Hello, ${name}` }) };
