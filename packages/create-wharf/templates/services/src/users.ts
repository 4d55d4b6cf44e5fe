import { type Context, type InputOf, On, Rpc, Service, WharfError } from '@wharf/core';
import { orders, users } from './contracts.js';

@Service(users)
export class Users {
  readonly #users = new Map([
    [1, { id: 1, name: 'Ada', points: 0 }],
    [2, { id: 2, name: 'Grace', points: 0 }],
  ]);
  readonly #credited = new Set<string>();

  @Rpc(users.methods.get)
  async get({ id }: InputOf<typeof users.methods.get>) {
    const user = this.#users.get(id);
    if (user === undefined) throw new WharfError('NOT_FOUND', `No user ${id}`);
    return user;
  }

  // Loyalty points for every order. Events arrive at least once; the event id makes this idempotent.
  @On(orders.events.placed)
  async credit({ userId, total }: { userId: number; total: number }, ctx: Context) {
    if (this.#credited.has(ctx.event!.id)) return;
    this.#credited.add(ctx.event!.id);
    const user = this.#users.get(userId);
    if (user !== undefined) user.points += Math.floor(total / 10);
  }
}
