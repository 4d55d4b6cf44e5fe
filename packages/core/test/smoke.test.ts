import { type Context, defineContract, Rpc, Service, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const greeter = defineContract({
  name: 'greeter',
  version: '1.0.0',
  methods: {
    greet: { input: z.object({ name: z.string().max(5) }), output: z.object({ message: z.string() }) },
  },
});

@Service(greeter)
class Greeter {
  @Rpc(greeter.methods.greet)
  async greet(input: { name: string }, _ctx: Context) {
    if (input.name === 'nope') throw new WharfError('NOT_FOUND', 'no');
    return { message: `hi ${input.name}` };
  }
}

describe('smoke', () => {
  it('calls', async () => {
    const app = await createTestApp({ services: [new Greeter()] });
    await expect(app.client(greeter).greet({ name: 'bob' })).resolves.toEqual({ message: 'hi bob' });
    await expect(app.client(greeter).greet({ name: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(app.client(greeter).greet({ name: 'toolong' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await app.stop();
  });
});
