// etcd: put one key under a lease while a watcher on its prefix sees the put, then the lease's
// revocation delete it, with `etcd3` (gRPC v3 API).
import { randomBytes } from 'node:crypto';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';

const available = await requireService('etcd', 'the etcd smoke test');

describe.skipIf(!available)('etcd (ETCD_URL)', () => {
  it('a watcher sees a leased key put, then deleted when the lease is revoked', async () => {
    const client = new Etcd3({ hosts: serviceUrl('etcd') });
    const prefix = `wharf-smoke/${randomBytes(4).toString('hex')}/`;
    try {
      const watcher = await client.watch().prefix(prefix).create();
      const events: string[] = [];
      const deleted = new Promise<void>((resolve) => {
        watcher.on('put', (kv) => events.push(`put ${kv.key.toString()}=${kv.value.toString()}`));
        watcher.on('delete', (kv) => {
          events.push(`delete ${kv.key.toString()}`);
          resolve();
        });
      });
      const lease = client.lease(10, { autoKeepAlive: false });
      await lease.put(`${prefix}instance`).value('http://127.0.0.1:3000');
      expect(await client.get(`${prefix}instance`).string()).toBe('http://127.0.0.1:3000');
      await lease.revoke();
      await deleted;
      expect(events).toEqual([`put ${prefix}instance=http://127.0.0.1:3000`, `delete ${prefix}instance`]);
      await watcher.cancel();
    } finally {
      await client.delete().prefix(prefix);
      client.close();
    }
  });
});
