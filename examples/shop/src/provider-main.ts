// The shop's OAuth 2.0 provider as its own process (the distributed mode's sign-in):
//   PORT            where it listens (default 4100)
//   SHOP_SECRETS    the services' client secrets as JSON: {"orders":"…","payments":"…",…}
//   SHOP_ORIGINS    the gateways' origins, comma-separated (the storefront's redirect URIs)
import { startShopProvider } from './provider.js';

const provider = await startShopProvider({
  port: Number(process.env.PORT ?? 4100),
  secrets: JSON.parse(process.env.SHOP_SECRETS ?? '{}') as Record<string, string>,
  origins: (process.env.SHOP_ORIGINS ?? 'http://127.0.0.1:8080').split(',').filter((o) => o !== ''),
});
console.log(JSON.stringify({ message: 'provider is up', issuer: provider.issuer }));
const stop = async () => {
  await provider.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
