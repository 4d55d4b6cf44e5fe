import { defineContract } from '@wharf/core';
import * as z from 'zod';
import { Cents, internal, Millis, ProductId, Quantity } from './common.js';

export const Product = z.object({
  id: ProductId,
  name: z.string(),
  description: z.string(),
  price: Cents,
  /** Units on hand that no reservation holds. */
  available: z.int().min(0),
});
export type Product = z.infer<typeof Product>;

/** Catalog queries: public, read-only, safe to retry. */
export const catalog = defineContract({
  name: 'catalog',
  version: '1.0.0',
  methods: {
    products: {
      input: z.strictObject({}),
      output: z.object({ products: z.array(Product) }),
      http: { method: 'GET', path: '/products' },
      auth: 'public',
      idempotent: true,
    },
    product: {
      input: z.strictObject({ id: ProductId }),
      output: Product,
      http: { method: 'GET', path: '/products/:id' },
      auth: 'public',
      idempotent: true,
    },
    lookup: {
      input: z.strictObject({ ids: z.array(ProductId).min(1).max(20) }),
      output: z.object({ products: z.array(Product) }),
      http: { method: 'POST', path: '/products/lookup' },
      auth: 'public',
      idempotent: true,
      description: 'Several products at once (unknown ids are left out).',
    },
  },
});

export const StockLine = z.object({ productId: ProductId, quantity: Quantity });

/**
 * Stock commands, sent by the order saga. Each is idempotent by order id: a command repeated after
 * a crash or a timeout answers what the first one did, and a command that arrives after the order
 * was released is refused (the release leaves a tombstone).
 */
export const stock = defineContract({
  name: 'stock',
  version: '1.0.0',
  methods: {
    reserve: {
      input: z.object({ orderId: z.uuid(), lines: z.array(StockLine).min(1).max(20), ttlMs: z.int().min(1_000).max(3_600_000) }),
      output: z.object({ status: z.enum(['reserved', 'rejected']), reason: z.string(), expiresAt: Millis }),
      auth: internal,
      idempotent: true,
    },
    commit: {
      input: z.object({ orderId: z.uuid() }),
      output: z.object({ status: z.enum(['committed', 'expired', 'missing']) }),
      auth: internal,
      idempotent: true,
    },
    release: {
      input: z.object({ orderId: z.uuid() }),
      output: z.object({ status: z.enum(['released', 'committed']) }),
      auth: internal,
      idempotent: true,
    },
  },
});
