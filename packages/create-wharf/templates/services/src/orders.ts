import { type Context, type InputOf, Rpc, Service } from '@wharf/core';
import { orders, users } from './contracts.js';

@Service(orders)
export class Orders {
  #next = 0;

  @Rpc(orders.methods.place)
  async place({ userId, total }: InputOf<typeof orders.methods.place>, ctx: Context) {
    // A call to another service: found through the registry, with this request's deadline and trace.
    const user = await ctx.client(users).get({ id: userId });
    const orderId = ++this.#next;
    await ctx.emit(orders.events.placed, { orderId, userId, total });
    return { orderId, customer: user.name };
  }
}
