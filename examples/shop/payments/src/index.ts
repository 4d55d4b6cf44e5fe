// The whole public surface of @wharf/shop-payments.
export { declined, type ProviderBehaviour, parseLatency } from './provider.js';
export { paymentsService } from './service.js';
export type { ChargesTable, PaymentsDb } from './tables.js';
