import { defineContract } from '@wharf/core';
import * as z from 'zod';
import { Cents, Id, Millis, ProductId, Quantity } from './common.js';

export const ORDER_STATUSES = ['PLACED', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLING', 'CANCELLED'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;
export const TERMINAL: readonly OrderStatus[] = ['CONFIRMED', 'CANCELLED'];

export const OrderLine = z.object({ productId: ProductId, name: z.string(), quantity: Quantity, unitPrice: Cents });

export const OrderView = z.object({
  id: Id,
  status: OrderStatus,
  lines: z.array(OrderLine),
  total: Cents,
  shipTo: z.string(),
  reason: z.string(),
  placedAt: Millis,
  updatedAt: Millis,
  /** The order's stream version: how many events it has. */
  version: z.int().min(1),
});
export type OrderView = z.infer<typeof OrderView>;

/**
 * What a client sends to order: product ids, quantities and one of its addresses. Prices, totals,
 * the owner and the status are the shop's to decide, so there are no such fields; unknown keys are
 * refused. `requestId` makes placing safe to retry: the same id answers the same order.
 */
export const PlaceOrder = z.strictObject({
  requestId: z.uuid(),
  addressId: Id,
  lines: z
    .array(z.strictObject({ productId: ProductId, quantity: Quantity }))
    .min(1)
    .max(20),
});

const ById = z.strictObject({ id: Id });

/** Orders as the signed-in customer sees them: only their own (another customer's is NOT_FOUND). */
export const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {
    place: {
      input: PlaceOrder,
      output: OrderView,
      http: { method: 'POST', path: '/orders', status: 201 },
      auth: 'authenticated',
      idempotent: true,
    },
    get: {
      input: ById,
      output: OrderView,
      http: { method: 'GET', path: '/orders/:id' },
      auth: 'authenticated',
      idempotent: true,
    },
    list: {
      input: z.strictObject({}),
      output: z.object({ orders: z.array(OrderView) }),
      http: { method: 'GET', path: '/orders' },
      auth: 'authenticated',
      idempotent: true,
    },
    cancel: {
      input: ById,
      output: OrderView,
      http: { method: 'POST', path: '/orders/:id/cancel' },
      auth: 'authenticated',
      idempotent: true,
      description: 'Cancels an order that is not paid yet; a paid or finished order is FAILED_PRECONDITION.',
    },
    watch: {
      input: ById,
      output: OrderView,
      stream: 'server',
      http: { method: 'GET', path: '/orders/:id/watch' },
      auth: 'authenticated',
      timeoutMs: 120_000,
      description: 'The order now, then each change, until it is CONFIRMED or CANCELLED.',
    },
  },
  events: {
    placed: {
      payload: z.object({ orderId: Id, customer: z.string(), total: Cents, lines: z.array(OrderLine) }),
      key: 'orderId',
    },
    confirmed: { payload: z.object({ orderId: Id, customer: z.string(), total: Cents }), key: 'orderId' },
    cancelled: { payload: z.object({ orderId: Id, customer: z.string(), reason: z.string() }), key: 'orderId' },
  },
});

/** Operating the orders service: rebuilding the read model from the event store. */
export const ordersAdmin = defineContract({
  name: 'orders_admin',
  version: '1.0.0',
  methods: {
    rebuild: {
      input: z.object({}),
      output: z.object({ orders: z.int().min(0), events: z.int().min(0), changed: z.int().min(0) }),
      auth: { roles: ['admin'] },
      timeoutMs: 300_000,
    },
  },
});
