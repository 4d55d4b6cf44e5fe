// Tracing configured by the standard OTEL_* variables alone: `node --import @wharf/observability/register`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { describe, expect, it } from 'vitest';

const available = await requireService('jaeger', 'the OTEL_* configuration test');

describe.skipIf(!available)('@wharf/observability/register', () => {
  it('starts the SDK from OTEL_* variables and sends the spans before the process exits', async () => {
    const service = `wharf-register-${randomBytes(3).toString('hex')}`;
    const script = `
      import { trace } from '@opentelemetry/api';
      const span = trace.getTracer('t').startSpan('from the environment');
      span.end();
      console.log(span.spanContext().traceId);`;
    const run = spawnSync(process.execPath, ['--import', '@wharf/observability/register', '--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
      env: {
        ...process.env,
        OTEL_SERVICE_NAME: service,
        OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://127.0.0.1:4318',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      },
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const traceId = run.stdout.trim();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    let found: { processes: Record<string, { serviceName: string }>; spans: { operationName: string }[] } | undefined;
    for (const until = Date.now() + 15_000; found === undefined && Date.now() < until; ) {
      const response = await fetch(new URL(`/api/traces/${traceId}`, serviceUrl('jaeger')));
      if (response.ok) found = ((await response.json()) as { data?: (typeof found)[] }).data?.[0];
      if (found === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(found?.spans.map((s) => s.operationName)).toEqual(['from the environment']);
    expect(Object.values(found?.processes ?? {}).map((p) => p.serviceName)).toEqual([service]);
  });
});
