// The whole public surface of @wharf/shop-orders.
export { apply, type OrderEvent, type OrderState, replay } from './events.js';
export { OrderSaga, type SagaTimes } from './saga.js';
export { ordersService } from './service.js';
export { ConcurrencyConflict, OrderStore } from './store.js';
export type { OrderEventsTable, OrdersDb, OrdersViewTable } from './tables.js';
