import { defineContract, implement, parseOrThrow, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { formatPath } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const orders = defineContract({
  name: 'orders',
  version: 1,
  methods: {
    place: {
      input: z.object({
        customer: z.object({ email: z.email(), name: z.string().min(1) }),
        items: z.array(z.object({ sku: z.string().regex(/^[A-Z]{3}-\d+$/), qty: z.int().min(1).max(99) })).min(1),
        note: z.string().max(10).optional(),
      }),
      output: z.object({ id: z.string() }),
    },
    broken: { input: z.object({}), output: z.object({ id: z.string() }), validateOutput: true },
    echo: {
      input: z.object({ n: z.coerce.number().default(5), tags: z.array(z.string()).default([]) }),
      output: z.object({ n: z.number(), tags: z.array(z.string()) }),
    },
  },
});

let seen: unknown;
const service = implement(orders, {
  async place() {
    return { id: 'o-1' };
  },
  async broken() {
    return { id: 42 } as unknown as { id: string };
  },
  async echo(input) {
    seen = input;
    return input;
  },
});

describe('validation', () => {
  it('lists every failing field path in INVALID_ARGUMENT', async () => {
    const app = await createTestApp({ services: [service] });
    const error = (await app
      .client(orders)
      .place({
        customer: { email: 'not-an-email', name: '' },
        items: [
          { sku: 'ABC-1', qty: 1 },
          { sku: 'bad', qty: 0 },
        ],
        note: 'far too long a note',
      })
      .catch((e: unknown) => e)) as WharfError;
    expect(error).toBeInstanceOf(WharfError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    const fields = error.details?.fieldViolations?.map((v) => v.field);
    expect(fields).toEqual(['customer.email', 'customer.name', 'items[1].sku', 'items[1].qty', 'note']);
    for (const violation of error.details?.fieldViolations ?? []) {
      expect(violation.description.length).toBeGreaterThan(0);
      expect(violation.code).toMatch(/^[a-z_]+$/);
    }
    expect(error.message).toMatch(/^Invalid input: customer\.email: .*; and 2 more$/);
    await app.stop();
  });

  it('reports a missing or wrongly typed root', async () => {
    const app = await createTestApp({ services: [service] });
    const error = (await app.invoke(orders.methods.place, 'nope' as never).catch((e: unknown) => e)) as WharfError;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.details?.fieldViolations?.[0]?.field).toBe('(root)');
    await app.stop();
  });

  it('hands the handler the parsed value: defaults and coercion applied', async () => {
    const app = await createTestApp({ services: [service] });
    await expect(app.invoke(orders.methods.echo, { n: '7' as unknown as number })).resolves.toEqual({ n: 7, tags: [] });
    expect(seen).toEqual({ n: 7, tags: [] });
    await app.stop();
  });

  it('an output that breaks its own schema is INTERNAL for the caller', async () => {
    const app = await createTestApp({ services: [service] });
    await expect(app.client(orders).broken({})).rejects.toMatchObject({ code: 'INTERNAL' });
    await app.stop();
  });

  it('output validation can be switched on for the whole app', async () => {
    const loose = implement(orders, {
      place: async () => ({ id: 3 }) as unknown as { id: string },
      broken: async () => ({ id: 'fine' }),
      echo: async (i) => i,
    });
    const off = await createTestApp({ services: [loose] });
    await expect(
      off.client(orders).place({ customer: { email: 'a@b.co', name: 'A' }, items: [{ sku: 'ABC-1', qty: 1 }] }),
    ).resolves.toEqual({ id: 3 });
    await off.stop();
    const on = await createTestApp({ services: [loose], validateOutput: true });
    await expect(
      on.client(orders).place({ customer: { email: 'a@b.co', name: 'A' }, items: [{ sku: 'ABC-1', qty: 1 }] }),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    await on.stop();
  });

  it('formats paths as a reader would write them', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['a', 0, 'b'])).toBe('a[0].b');
    expect(formatPath(['weird key', 'x'])).toBe('["weird key"].x');
    expect(() => parseOrThrow(z.object({ a: z.string() }), {}, 'event payload')).toThrow(/^Invalid event payload: a: /);
  });
});
