import { type Context, type InputOf, On, Rpc, Service } from '@wharf/core';
import { greeter } from './contract.js';

@Service(greeter)
export class Greeter {
  readonly #greetings = new Map<string, number>();
  // Events arrive at least once: a broker redelivers what was not acknowledged. The event id is
  // the same on every delivery, so remembering it makes the handler idempotent.
  readonly #seen = new Set<string>();

  @Rpc(greeter.methods.greet)
  async greet({ name }: InputOf<typeof greeter.methods.greet>, ctx: Context) {
    await ctx.emit(greeter.events.greeted, { name });
    return { message: `Hello, ${name}!` };
  }

  @Rpc(greeter.methods.stats)
  async stats({ name }: InputOf<typeof greeter.methods.stats>) {
    return { greetings: this.#greetings.get(name) ?? 0 };
  }

  @On(greeter.events.greeted)
  async count({ name }: { name: string }, ctx: Context) {
    const id = ctx.event!.id;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.#greetings.set(name, (this.#greetings.get(name) ?? 0) + 1);
  }
}
