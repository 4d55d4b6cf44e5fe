// The whole public surface of @wharf/shop-contracts: what the services, the gateway and the
// storefront agree on. A service imports the contracts of those it calls, never their code.
import '@wharf/auth'; // the `auth` field of contract methods
import '@wharf/transport-http'; // the `http` field of contract methods

export { catalog, Product, StockLine, stock } from './catalog.js';
export { Cents, Id, INTERNAL_SCOPE, internal, Millis, ProductId, Quantity, SHOP_AUDIENCE } from './common.js';
export { Message, notifications } from './notifications.js';
export {
  ORDER_STATUSES,
  OrderLine,
  OrderStatus,
  OrderView,
  orders,
  ordersAdmin,
  PlaceOrder,
  TERMINAL,
} from './orders.js';
export { ChargeStatus, payments } from './payments.js';
export { Address, NewAddress, Profile, users } from './users.js';

import { catalog } from './catalog.js';
import { notifications } from './notifications.js';
import { orders } from './orders.js';
import { users } from './users.js';

/** What the gateway serves: the public contracts (internal commands and admin stay inside). */
export const PUBLIC_CONTRACTS = [users, catalog, orders, notifications] as const;
