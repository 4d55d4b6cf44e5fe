import { defineContract, implement, on, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const inventory = defineContract({
  name: 'inventory',
  version: 1,
  methods: { reserve: { input: z.object({ sku: z.string(), qty: z.int().min(1) }), output: z.object({ left: z.int() }) } },
  events: { reserved: { payload: z.object({ sku: z.string(), qty: z.int() }) } },
});

function service(stock: Map<string, number>) {
  return implement(
    inventory,
    {
      async reserve({ sku, qty }, ctx) {
        const left = (stock.get(sku) ?? 0) - qty;
        if (left < 0) throw new WharfError('FAILED_PRECONDITION', `only ${stock.get(sku) ?? 0} of ${sku} left`);
        stock.set(sku, left);
        await ctx.emit(inventory.events.reserved, { sku, qty });
        return { left };
      },
    },
    {
      on: {
        onRestock: on('inventory.restocked', {
          input: z.object({ sku: z.string(), qty: z.int() }),
          handler: async ({ sku, qty }) => {
            stock.set(sku, (stock.get(sku) ?? 0) + qty);
          },
        }),
      },
    },
  );
}

describe('@wharf/core/testing', () => {
  it('invoke runs the full server pipeline; emitted events are recorded; deliver awaits handlers', async () => {
    const stock = new Map([['apple', 2]]);
    const app = await createTestApp({ services: [service(stock)] });
    await expect(
      app.invoke(inventory.methods.reserve, { sku: 'apple', qty: 1 }, { metadata: { 'x-request-id': 'test-1' } }),
    ).resolves.toEqual({
      left: 1,
    });
    expect(app.emitted).toEqual([
      expect.objectContaining({
        name: 'inventory.reserved',
        payload: { sku: 'apple', qty: 1 },
        emitter: 'inventory',
        metadata: { 'x-request-id': 'test-1' },
      }),
    ]);
    await expect(app.invoke(inventory.methods.reserve, { sku: 'apple', qty: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(app.invoke('inventory.reserve', { sku: 'apple', qty: 5 })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
    await app.deliver('inventory.restocked', { sku: 'apple', qty: 10 });
    expect(stock.get('apple')).toBe(11);
    await expect(app.deliver('inventory.restocked', { sku: 'apple' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(app.invoke('inventory.nothing', {})).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    await app.stop();
  });
});
