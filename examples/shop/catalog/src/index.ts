// The whole public surface of @wharf/shop-catalog.
export { catalogService } from './service.js';
export { Stock } from './stock.js';
export type { CatalogDb, ProductsTable, ReservationsTable } from './tables.js';
export { SEED } from './tables.js';
