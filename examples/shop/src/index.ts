// The whole public surface of @wharf/example-shop: the shop started in one process, and the
// pieces the distributed launcher and the tests share.

export { type ClusterOptions, ShopCluster, type ShopProcess } from './cluster.js';
export { type EmbeddedShop, type EmbeddedShopOptions, MODULES, startEmbeddedShop } from './embedded-shop.js';
export { type LoadOptions, type Placed, placeMany, quantile, type Shopper } from './load.js';
export { freePort } from './ports.js';
export { STOREFRONT_CLIENT, serviceSecrets, startShopProvider } from './provider.js';
export { type ShopReport, verifyShop } from './verify.js';
