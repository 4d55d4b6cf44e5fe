import { defineContract } from '@wharf/core';
import * as z from 'zod';

/**
 * The greeter's contract: names and schemas only. The service implements it; callers import it
 * to get a typed client without importing the service.
 */
export const greeter = defineContract({
  name: 'greeter',
  version: '1.0.0',
  description: 'Says hello in several languages.',
  methods: {
    greet: {
      description: 'Greets someone by name, in a known language.',
      http: { method: 'POST', path: '/greetings' },
      input: z.object({
        name: z.string().min(1).max(64),
        language: z.string().min(2).max(8).default('en'),
      }),
      output: z.object({ message: z.string() }),
    },
    language: {
      description: 'Looks up one language; NOT_FOUND when it is not known.',
      http: { method: 'GET', path: '/languages/:code' },
      input: z.object({ code: z.string().min(2).max(8) }),
      output: z.object({ code: z.string(), name: z.string(), greeting: z.string() }),
    },
    countdown: {
      description: 'Counts down from `from` to 0, one message each `intervalMs`.',
      http: { method: 'GET', path: '/countdown/:from' },
      stream: 'server',
      input: z.object({ from: z.int().min(0).max(100), intervalMs: z.int().min(0).max(1000).default(0) }),
      output: z.object({ n: z.int() }),
    },
    stats: {
      description: 'How many greeted events this instance has consumed.',
      http: { method: 'GET', path: '/stats' },
      input: z.object({}),
      output: z.object({ greeted: z.int().min(0) }),
    },
  },
  events: {
    greeted: {
      description: 'Someone was greeted.',
      payload: z.object({ name: z.string(), language: z.string(), at: z.iso.datetime() }),
    },
  },
});
