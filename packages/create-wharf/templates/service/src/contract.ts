// The greeter's public face: names and schemas. Callers import it for a typed client.
import { defineContract } from '@wharf/core';
import * as z from 'zod';

export const greeter = defineContract({
  name: 'greeter',
  version: '1.0.0',
  methods: {
    greet: { input: z.object({ name: z.string().min(1).max(64) }), output: z.object({ message: z.string() }) },
    stats: { input: z.object({ name: z.string() }), output: z.object({ greetings: z.int() }) },
  },
  events: { greeted: { payload: z.object({ name: z.string() }) } },
});
