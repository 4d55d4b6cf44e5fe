// The public faces of both services: each imports the other's contract, never its code.
import { defineContract } from '@wharf/core';
import * as z from 'zod';

export const users = defineContract({
  name: 'users',
  version: '1.0.0',
  methods: {
    get: { input: z.object({ id: z.int() }), output: z.object({ id: z.int(), name: z.string(), points: z.int() }) },
  },
});

export const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {
    place: {
      input: z.object({ userId: z.int(), item: z.string().min(1), total: z.int().min(1) }),
      output: z.object({ orderId: z.int(), customer: z.string() }),
    },
  },
  events: { placed: { payload: z.object({ orderId: z.int(), userId: z.int(), total: z.int() }) } },
});
