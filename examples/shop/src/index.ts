// The whole public surface of @wharf/example-shop: the shop started in one process, and the
// pieces the distributed launcher and the tests share.
export { type EmbeddedShop, type EmbeddedShopOptions, MODULES, startEmbeddedShop } from './embedded-shop.js';
export { freePort } from './ports.js';
export { STOREFRONT_CLIENT, serviceSecrets, startShopProvider } from './provider.js';
