import { type ClientMiddleware, DeclarationError, defineContract } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const orders = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {},
  events: {
    placed: { payload: z.object({ order: z.object({ id: z.number() }), cents: z.number() }), key: 'order.id' },
    noted: { payload: z.object({ id: z.string() }) },
  },
});

describe('event partition keys', () => {
  it('come from the declared payload field, else the emit option, else none', async () => {
    const keys: (string | undefined)[] = [];
    const record: ClientMiddleware = (call, next) => {
      if (call.kind === 'event') keys.push(call.key);
      return next();
    };
    const app = await createTestApp({ middleware: { client: [record] } });
    try {
      await app.emit(orders.events.placed, { order: { id: 42 }, cents: 5 });
      await app.emit(orders.events.placed, { order: { id: 42 }, cents: 5 }, { key: 'explicit' });
      await app.emit(orders.events.noted, { id: 'n1' });
      await app.emit('orders.loose', { order: { id: 1 } });
      expect(keys).toEqual(['42', 'explicit', undefined, undefined]);
    } finally {
      await app.stop();
    }
  });

  it('must name a field', () => {
    expect(() =>
      defineContract({ name: 'x', version: 1, methods: {}, events: { e: { payload: z.object({}), key: 'a..b' } } }),
    ).toThrow(DeclarationError);
  });
});
