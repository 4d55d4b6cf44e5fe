// Talking to the real Prometheus and Jaeger: scrape targets and rules in, queries and traces out.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prometheusDirs, serviceUrl } from '@wharf/real-parts';

/** One instant-query result. */
export interface PromSeries {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** Runs an instant query; rejects with Prometheus's own error for a bad expression. */
export async function promQuery(expr: string): Promise<PromSeries[]> {
  const url = new URL('/api/v1/query', serviceUrl('prometheus'));
  url.searchParams.set('query', expr);
  const body = (await (await fetch(url)).json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error}`);
  return body.data?.result ?? [];
}

/** Asks Prometheus to reload its configuration and rule files. */
export async function reloadPrometheus(): Promise<void> {
  const response = await fetch(new URL('/-/reload', serviceUrl('prometheus')), { method: 'POST' });
  if (!response.ok) throw new Error(`Prometheus did not reload: ${response.status} ${await response.text()}`);
}

/** Files this run added to Prometheus's folders, removed by `remove()`. */
export class PrometheusFiles {
  readonly run = randomBytes(3).toString('hex');
  readonly #files: string[] = [];

  /** Scrape targets, one job each (file_sd format). */
  async targets(jobs: Record<string, string>): Promise<void> {
    const file = join(prometheusDirs().targets, `observability-${this.run}.json`);
    const groups = Object.entries(jobs).map(([job, target]) => ({ targets: [target], labels: { job } }));
    await writeFile(file, JSON.stringify(groups));
    this.#files.push(file);
  }

  /** A rule file, loaded with a reload. */
  async rules(text: string): Promise<void> {
    const file = join(prometheusDirs().rules, `observability-${this.run}.yml`);
    await writeFile(file, text);
    this.#files.push(file);
    await reloadPrometheus();
  }

  async remove(): Promise<void> {
    for (const file of this.#files.splice(0)) await rm(file, { force: true });
    await reloadPrometheus().catch(() => {});
  }
}

/** A span as Jaeger's query API returns it. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly processID: string;
  readonly references: readonly { refType: string; spanID: string; traceID: string }[];
  readonly tags: readonly { key: string; value: unknown }[];
}

/** A trace from Jaeger: its spans, each with its service name and kind. */
export interface JaegerTrace {
  readonly spans: readonly (JaegerSpan & { service: string; kind: string; tag(key: string): unknown })[];
}

/** The trace `traceId` once it has at least `spans` spans; undefined when Jaeger has not got them yet. */
export async function jaegerTrace(traceId: string, spans: number): Promise<JaegerTrace | undefined> {
  const response = await fetch(new URL(`/api/traces/${traceId}`, serviceUrl('jaeger')));
  if (!response.ok) return undefined;
  const body = (await response.json()) as {
    data?: { spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }[];
  };
  const trace = body.data?.[0];
  if (trace === undefined || trace.spans.length < spans) return undefined;
  return {
    spans: trace.spans.map((span) => {
      const tag = (key: string) => span.tags.find((t) => t.key === key)?.value;
      return { ...span, service: trace.processes[span.processID]?.serviceName ?? '', kind: String(tag('span.kind')), tag };
    }),
  };
}
