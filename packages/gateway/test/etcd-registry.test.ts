// The gateway finds the services through a real registry: a catalog instance registers in etcd
// (the registry package's backend), the gateway watches it, routes to it, and stops routing to it
// once it has withdrawn.
import { randomBytes } from 'node:crypto';
import { createApp, implement } from '@wharf/core';
import { createGateway } from '@wharf/gateway';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { registryFromUrl } from '@wharf/registry';
import { httpTransport } from '@wharf/transport-http';
import { describe, expect, it } from 'vitest';
import { catalog } from './fixtures/contracts.mjs';
import { quiet } from './helpers.js';

const available = await requireService('etcd', 'the gateway over an etcd registry');

describe.skipIf(!available)('the gateway over etcd', () => {
  it('routes to an instance registered in etcd, and answers 503 once it has withdrawn', { timeout: 30_000 }, async () => {
    const url = `${serviceUrl('etcd').replace(/^http/, 'etcd')}?namespace=wharf-test-${randomBytes(4).toString('hex')}`;
    const serviceRegistry = registryFromUrl(url);
    const service = createApp({
      name: 'catalog',
      services: [
        implement(catalog, {
          item: ({ id }: { id: string }) => ({ id, subject: '', transport: 'http', instance: 'etcd-1' }),
          slow: () => ({ done: true }),
          ping: () => ({ pong: true }),
          note: () => ({ instance: 'etcd-1' }),
        } as never),
      ],
      transports: [httpTransport({ port: 0 })],
      registry: serviceRegistry,
      logger: quiet,
      shutdown: { signals: false },
    });
    const gatewayRegistry = registryFromUrl(url);
    const gateway = createGateway({ services: [catalog], registry: gatewayRegistry, http: { port: 0 }, logger: quiet });
    try {
      await service.start();
      await gateway.start();
      const first = await fetch(`${gateway.url}/v1/ping`);
      expect(first.status).toBe(200);
      const item = await fetch(`${gateway.url}/v1/items/7`);
      expect(((await item.json()) as { instance: string }).instance).toBe('etcd-1');
      await service.stop();
      const until = Date.now() + 10_000;
      let status = 200;
      while (status !== 503 && Date.now() < until) {
        status = (await fetch(`${gateway.url}/v1/ping`)).status;
        if (status !== 503) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(503);
    } finally {
      await gateway.stop();
      await service.stop();
      await gatewayRegistry.close();
      await serviceRegistry.close();
    }
  });
});
