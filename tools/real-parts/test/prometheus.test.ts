// Prometheus: a service's /metrics, added as a file_sd target, is scraped and its sample is
// found through the query API; promtool accepts the exposition.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { prometheusDirs, requireService, serviceUrl } from '@wharf/real-parts';
import { describe, expect, it } from 'vitest';

const available = await requireService('prometheus', 'the Prometheus smoke test');

describe.skipIf(!available)('Prometheus (PROMETHEUS_URL)', () => {
  it('scrapes a target dropped into its file_sd folder and answers a query for it', async () => {
    const run = randomBytes(4).toString('hex');
    const exposition = `# HELP wharf_smoke_requests_total Requests seen by the smoke test.\n# TYPE wharf_smoke_requests_total counter\nwharf_smoke_requests_total{code="OK"} 42\n`;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);

    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const target = join(prometheusDirs().targets, `smoke-${run}.json`);
    await writeFile(target, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { smoke: run } }]));
    try {
      const query = new URL('/api/v1/query', serviceUrl('prometheus'));
      query.searchParams.set('query', `wharf_smoke_requests_total{smoke="${run}"}`);
      let value: string | undefined;
      for (const until = Date.now() + 20_000; value === undefined && Date.now() < until; ) {
        const body = (await (await fetch(query)).json()) as { data?: { result?: { value?: [number, string] }[] } };
        value = body.data?.result?.[0]?.value?.[1];
        if (value === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(value).toBe('42');
    } finally {
      await rm(target, { force: true });
      server.close();
    }
  });
});
