// The deployment files, checked without a container engine: the Kubernetes manifests against the
// API schemas of Kubernetes 1.33 in strict mode (kubernetes-validate: an unknown field or a wrong
// type fails), the Compose file through compose-go (the parser docker compose uses), and the
// Dockerfile's shape. Each validator is also shown a broken copy, which it must refuse.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { composeCheck, kubernetesValidate } from './deploy-tools.js';

const DEPLOY = new URL('../deploy/', import.meta.url).pathname;
const K8S = join(DEPLOY, 'kubernetes');
const KUBERNETES = '1.33.0';
const scratch = mkdtempSync(join(tmpdir(), 'wharf-shop-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function validate(files: string[]): { ok: boolean; output: string } {
  const run = spawnSync(kubernetesValidate(), ['--strict', '-k', KUBERNETES, ...files], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe('the Kubernetes manifests', () => {
  const files = readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(K8S, f));

  it(`validate against the Kubernetes ${KUBERNETES} API schemas, strictly`, { timeout: 300_000 }, () => {
    const { ok, output } = validate(files);
    expect(output).not.toMatch(/ERROR|did not validate/);
    expect(ok).toBe(true);
    expect(output.match(/passed for resource/g)?.length).toBeGreaterThanOrEqual(20);
  });

  it('a misspelt field and a wrong type fail', { timeout: 300_000 }, () => {
    const orders = readFileSync(join(K8S, 'orders.yaml'), 'utf8');
    const misspelt = join(scratch, 'misspelt.yaml');
    writeFileSync(misspelt, orders.replace('              path: /health/ready', '              paht: /health/ready'));
    expect(validate([misspelt]).output).toMatch(/'paht' was unexpected/);
    const wrongType = join(scratch, 'wrong-type.yaml');
    writeFileSync(wrongType, orders.replace('replicas: 2', 'replicas: two'));
    expect(validate([wrongType])).toMatchObject({ ok: false, output: expect.stringMatching(/'two' is not of type 'integer'/) });
  });

  it('every Deployment probes its health routes, drains on rolling updates and has requests and a budget', () => {
    const docs = files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS()));
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'catalog',
      'gateway',
      'notifications',
      'orders',
      'payments',
      'users',
    ]);
    for (const d of deployments) {
      const container = d.spec.template.spec.containers[0];
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      expect(container.lifecycle.preStop).toBeDefined();
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(
        docs.some(
          (p) => p.kind === 'PodDisruptionBudget' && p.spec.selector.matchLabels['app.kubernetes.io/name'] === d.metadata.name,
        ),
      ).toBe(true);
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'shop-config' } }]);
    }
    const secretKeys = deployments.flatMap((d) =>
      d.spec.template.spec.containers[0].env.flatMap(
        (e: { valueFrom?: { secretKeyRef?: { key: string } } }) => e.valueFrom?.secretKeyRef?.key ?? [],
      ),
    );
    const example = docs.find((d) => d.kind === 'Secret');
    for (const key of secretKeys) expect(Object.keys(example.stringData)).toContain(key);
  });
});

describe('the Compose file', () => {
  const env = {
    ...process.env,
    SHOP_SECRETS: '{}',
    USERS_CLIENT_SECRET: 'x',
    CATALOG_CLIENT_SECRET: 'x',
    ORDERS_CLIENT_SECRET: 'x',
    PAYMENTS_CLIENT_SECRET: 'x',
    NOTIFICATIONS_CLIENT_SECRET: 'x',
  };
  const check = (file: string) => spawnSync(composeCheck(), [file], { encoding: 'utf8', env });

  it('loads with compose-go: two orders, two catalogs, two gateways, and the parts', { timeout: 300_000 }, () => {
    const run = check(join(DEPLOY, 'compose.yaml'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^orders\twharf-shop:1\.0\.0\treplicas=2/m);
    expect(run.stdout).toMatch(/^catalog\twharf-shop:1\.0\.0\treplicas=2/m);
    for (const name of [
      'gateway-a',
      'gateway-b',
      'users',
      'payments',
      'notifications',
      'rabbitmq',
      'postgres',
      'etcd',
      'redis',
      'jaeger',
      'prometheus',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^${name}\\t`, 'm'));
    }
  });

  it('an unknown key and a wrong type fail', { timeout: 300_000 }, () => {
    const compose = readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8');
    const unknown = join(DEPLOY, 'compose.unknown-key.yaml'); // beside the original: its build context resolves
    const wrong = join(DEPLOY, 'compose.wrong-type.yaml');
    try {
      writeFileSync(
        unknown,
        compose.replace('  restart: unless-stopped\n  stop_grace_period', '  restrat: unless-stopped\n  stop_grace_period'),
      );
      writeFileSync(wrong, compose.replace('deploy: { replicas: 2 }', 'deploy: { replicas: two }'));
      const a = check(unknown);
      expect(a.status).toBe(1);
      expect(a.stderr).toMatch(/restrat/);
      const b = check(wrong);
      expect(b.status).toBe(1);
      expect(b.stderr).toMatch(/replicas/);
    } finally {
      rmSync(unknown, { force: true });
      rmSync(wrong, { force: true });
    }
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));

  it('is multi-stage, runs as a non-root user with production dependencies only, and has a health check', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).length).toBe(2);
    expect(instructions.filter((l) => l.startsWith('FROM ')).every((l) => /:\d+\.\d+/.test(l))).toBe(true); // pinned, not :latest
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^COPY (?!--from=build)/m); // nothing from the build context: only the build stage's output
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*CMD/m);
  });
});
