// The whole public surface of @wharf/shop-storefront.
export { type ShopGatewayOptions, shopGateway } from './gateway.js';
export { type StorefrontSettings, storefrontRoutes } from './pages.js';
