import type { Logger } from '@wharf/core';
import { createRegistry, memoryRules, registryFromUrl, staticBackend, type WharfRegistry } from '@wharf/registry';
import type { ShopConfig } from './config.js';

/**
 * The registry from the configuration: etcd (or any `registryFromUrl` string) in distributed
 * mode; otherwise a registry of this process only, which apps in it share.
 */
export function shopRegistry(config: Pick<ShopConfig, 'registryUrl'>, logger?: Logger): WharfRegistry {
  if (config.registryUrl !== undefined) return registryFromUrl(config.registryUrl, logger);
  return inProcessRegistry();
}

/** Instances registered by apps of this process, with routing rules kept in memory. */
export function inProcessRegistry(): WharfRegistry {
  return createRegistry(staticBackend({ instances: [] }), { rules: memoryRules() });
}
