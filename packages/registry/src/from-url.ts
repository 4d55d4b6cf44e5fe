import type { Logger } from '@wharf/core';
import type { RuleStore } from './backend.js';
import { etcdBackend, etcdClient, etcdRules } from './backends/etcd.js';
import { eurekaBackend } from './backends/eureka.js';
import { parseStaticList, staticBackend } from './backends/static.js';
import { createRegistry, type WharfRegistry } from './cached-registry.js';
import { memoryRules } from './memory-rules.js';

/**
 * A registry from one string, as the command line and `WHARF_REGISTRY` take it:
 * - `etcd://127.0.0.1:2379[,host:port]?namespace=shop&ttl=10` — instances and routing rules in etcd;
 * - `eureka://127.0.0.1:8761/eureka?namespace=shop&fetchMs=5000&lease=15` (`eureka+https://` for TLS);
 *   routing rules from `&rules=etcd://…`, else kept in this process only;
 * - `static:greeter@1.0.0=http://10.0.0.5:3000;billing=grpc://10.0.0.6:50051`.
 */
export function registryFromUrl(url: string, logger?: Logger): WharfRegistry {
  if (url.startsWith('static:')) {
    return createRegistry(staticBackend({ instances: parseStaticList(url.slice('static:'.length)) }), {
      logger,
      rules: memoryRules(),
    });
  }
  const parsed = new URL(url);
  const query = parsed.searchParams;
  const namespace = query.get('namespace') ?? undefined;
  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  if (parsed.protocol === 'etcd:') {
    const client = etcdClient(parsed.host.split(',').map((host) => `http://${host}`));
    const backend = etcdBackend({ client, namespace, leaseTtlSeconds: number('ttl'), logger });
    const rules = etcdRules({ client, namespace });
    // The backend and the rule store share one client: close it once, after both.
    const close = async () => {
      await backend.close();
      client.close();
    };
    return createRegistry({ ...backend, close }, { logger, rules });
  }
  if (parsed.protocol === 'eureka:' || parsed.protocol === 'eureka+http:' || parsed.protocol === 'eureka+https:') {
    const scheme = parsed.protocol === 'eureka+https:' ? 'https' : 'http';
    const rulesUrl = query.get('rules');
    let rules: RuleStore = memoryRules();
    if (rulesUrl !== null) {
      const fromEtcd = new URL(rulesUrl);
      rules = etcdRules({
        hosts: fromEtcd.host.split(',').map((host) => `http://${host}`),
        namespace: fromEtcd.searchParams.get('namespace') ?? namespace,
      });
    }
    const backend = eurekaBackend({
      url: `${scheme}://${parsed.host}${parsed.pathname === '/' ? '/eureka' : parsed.pathname}`,
      namespace,
      fetchIntervalMs: number('fetchMs'),
      leaseSeconds: number('lease'),
      logger,
    });
    return createRegistry(backend, { logger, rules });
  }
  throw new Error(
    `Cannot make a registry from ${JSON.stringify(url)}: use etcd://host:port, eureka://host:port/eureka or static:service=address`,
  );
}
