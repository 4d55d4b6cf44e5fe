import { defineContract } from '@wharf/core';
import * as z from 'zod';

/** The HTTP edge: takes orders from the outside. */
export const front = defineContract({
  name: 'front',
  version: '1.0.0',
  methods: {
    order: {
      description: 'Places an order through the orders service (over gRPC).',
      http: { method: 'POST', path: '/orders' },
      input: z.object({ item: z.string().min(1).max(40), qty: z.int().min(1).max(1000) }),
      output: z.object({ orderId: z.string() }),
    },
    fail: {
      description: 'Fails with the given code: error traffic for the dashboards.',
      http: { method: 'POST', path: '/fail' },
      input: z.object({ code: z.enum(['NOT_FOUND', 'INTERNAL', 'UNAVAILABLE', 'INVALID_ARGUMENT']) }),
      output: z.object({}),
    },
    slow: {
      description: 'Answers after `ms` milliseconds: latency for the SLO alert.',
      http: { method: 'POST', path: '/slow' },
      input: z.object({ ms: z.int().min(0).max(5000) }),
      output: z.object({ waited: z.int() }),
    },
  },
});

/** Takes orders over gRPC and announces them on the event bus. */
export const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {
    place: {
      input: z.object({ item: z.string(), qty: z.int() }),
      output: z.object({ orderId: z.string() }),
    },
  },
  events: {
    placed: { payload: z.object({ orderId: z.string(), item: z.string(), qty: z.int() }) },
  },
});

/** Mails a confirmation for each order placed (an AMQP subscriber). */
export const mailer = defineContract({
  name: 'mailer',
  version: '1.0.0',
  methods: {
    sent: { input: z.object({}), output: z.object({ sent: z.int(), failed: z.int() }) },
  },
});
