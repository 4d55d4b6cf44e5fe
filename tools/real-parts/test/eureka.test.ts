// Eureka: register one instance through the REST API a Eureka client uses, find it with its
// metadata, renew its lease, cancel it and see it gone — with plain fetch, as the registry will.
import { randomBytes } from 'node:crypto';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { describe, expect, it } from 'vitest';

const available = await requireService('eureka', 'the Eureka smoke test');
const json = { accept: 'application/json', 'content-type': 'application/json' };

describe.skipIf(!available)('Eureka server (EUREKA_URL)', () => {
  it('registers, lists, renews and cancels an instance', async () => {
    const base = serviceUrl('eureka').replace(/\/$/, '');
    const app = `WHARF-SMOKE-${randomBytes(3).toString('hex').toUpperCase()}`;
    const instanceId = `${app.toLowerCase()}:127.0.0.1:3000`;
    const register = await fetch(`${base}/apps/${app}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        instance: {
          instanceId,
          app,
          hostName: '127.0.0.1',
          ipAddr: '127.0.0.1',
          status: 'UP',
          port: { $: 3000, '@enabled': 'true' },
          securePort: { $: 443, '@enabled': 'false' },
          vipAddress: app.toLowerCase(),
          dataCenterInfo: { '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo', name: 'MyOwn' },
          leaseInfo: { renewalIntervalInSecs: 5, durationInSecs: 15 },
          metadata: { 'wharf.addresses': 'http://127.0.0.1:3000' },
        },
      }),
    });
    expect(register.status).toBe(204);
    try {
      const listed = await fetch(`${base}/apps/${app}`, { headers: json });
      expect(listed.status).toBe(200);
      const instances = ((await listed.json()) as { application: { instance: unknown[] } }).application.instance;
      expect(instances).toHaveLength(1);
      expect(instances[0]).toMatchObject({ instanceId, status: 'UP', metadata: { 'wharf.addresses': 'http://127.0.0.1:3000' } });

      const renewed = await fetch(`${base}/apps/${app}/${encodeURIComponent(instanceId)}`, { method: 'PUT', headers: json });
      expect(renewed.status).toBe(200);
    } finally {
      const cancelled = await fetch(`${base}/apps/${app}/${encodeURIComponent(instanceId)}`, { method: 'DELETE', headers: json });
      expect(cancelled.status).toBe(200);
    }
    expect((await fetch(`${base}/apps/${app}`, { headers: json })).status).toBe(404);
  });
});
