import { defineContract } from '@wharf/core';
import * as z from 'zod';
import { Cents, Id, internal } from './common.js';

export const ChargeStatus = z.enum(['captured', 'failed', 'voided']);

/**
 * The simulated payment provider. `key` is the idempotency key: a charge repeated with the same key
 * (a retry after a timeout or a crash) answers the first outcome and never charges again; `void`
 * refunds a captured charge, or blocks the key so a charge still on its way is refused.
 */
export const payments = defineContract({
  name: 'payments',
  version: '1.0.0',
  methods: {
    charge: {
      input: z.object({ key: z.string().min(1).max(80), orderId: Id, customer: z.string().max(200), amount: Cents }),
      output: z.object({ status: ChargeStatus, paymentId: z.string(), reason: z.string() }),
      auth: internal,
      idempotent: true,
    },
    void: {
      input: z.object({ key: z.string().min(1).max(80) }),
      output: z.object({ status: z.enum(['voided', 'refunded', 'failed']) }),
      auth: internal,
      idempotent: true,
    },
  },
  events: {
    captured: { payload: z.object({ paymentId: z.string(), orderId: Id, customer: z.string(), amount: Cents }), key: 'orderId' },
    refunded: { payload: z.object({ paymentId: z.string(), orderId: Id, customer: z.string(), amount: Cents }), key: 'orderId' },
  },
});
