// The servers the observability benchmark compares: the greeter's Greet over Wharf's HTTP and gRPC
// transports, with nothing on, with metrics, with tracing (100 % sampled, batch exporter to a
// no-op exporter: the cost of making and batching spans, not of a network), with both, and with
// tracing under the async-local-storage context (what instrumentations need) instead of the default
// explicit one, and, on request, with the SDK's tracer making Wharf's spans (`tracing-sdk`), and
// with spans exported over real OTLP/HTTP to a collector stand-in of the bench's
// (`tracing-otlp`: what `startTracing({ otlpEndpoint })` sets up, Wharf's OtlpBatchSpanProcessor;
// `tracing-otlp-bsp`: Wharf's OtlpTraceExporter in the SDK's BatchSpanProcessor;
// `tracing-otlp-sdk`: OpenTelemetry's OTLPTraceExporter in it).

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { createApp, implement, type Transport, WharfError } from '@wharf/core';
import { greeter } from '@wharf/example-greeter';
import { observability } from '@wharf/observability';
import { OtlpTraceExporter, startTracing } from '@wharf/observability/otel';
import { grpcTransport } from '@wharf/transport-grpc';
import { httpTransport } from '@wharf/transport-http';
import { pino } from 'pino';
import type { RunningTarget } from '../lib/target-process.js';

export const MODES = [
  'off',
  'metrics',
  'tracing',
  'both',
  'tracing-als',
  'tracing-sdk',
  'tracing-otlp',
  'tracing-otlp-bsp',
  'tracing-otlp-sdk',
] as const;
/**
 * What a run measures unless `--modes` says otherwise: the goal rows, and the default's spans sent
 * over OTLP beside them (what a service pays for its network as well); the SDK's spans and the
 * other exporters only on request.
 */
export const DEFAULT_MODES: readonly Mode[] = ['off', 'metrics', 'tracing', 'both', 'tracing-als', 'tracing-otlp'];
export type Mode = (typeof MODES)[number];
export const PROTOCOLS = ['http', 'grpc'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
/** A mode served by this checkout's build, or (`@baseline`) by the build given to `--baseline`. */
export type Variant = Mode | `${Mode}@baseline`;
export const VARIANTS: readonly Variant[] = MODES.flatMap((m) => [m, `${m}@baseline` as const]);
export const TARGETS = PROTOCOLS.flatMap((p) => VARIANTS.map((v) => `${p}-${v}` as const));
export type TargetName = (typeof TARGETS)[number];

const GREETINGS: Readonly<Record<string, string>> = { fr: 'Bonjour', en: 'Hello' };

const service = implement(greeter, {
  greet: ({ name, language }) => {
    const greeting = GREETINGS[language];
    if (greeting === undefined) throw new WharfError('NOT_FOUND', `No greeting for language "${language}"`);
    return { message: `${greeting}, ${name}!` };
  },
  language: ({ code }) => ({ code, name: code, greeting: GREETINGS[code] ?? '' }),
  async *countdown({ from }) {
    for (let n = from; n >= 0; n--) yield { n };
  },
  stats: () => ({ greeted: 0 }),
});

/** Spans are made, sampled and batched as in production; the exporter drops them. */
const dropAll = {
  export(_spans: unknown[], done: (result: { code: number }) => void) {
    done({ code: 0 });
  },
  async shutdown() {},
};

/** The collector stand-in's URL (`…/v1/traces`), which the parent passes to OTLP modes. */
function collectorUrl(mode: Mode): string {
  const url = process.env.WHARF_BENCH_OTLP;
  if (url === undefined) throw new Error(`${mode} needs WHARF_BENCH_OTLP, the collector stand-in the bench starts`);
  return url;
}

/** How a tracing mode sends its spans: `startTracing`'s options for it. */
function exportOf(mode: Mode): Parameters<typeof startTracing>[0] {
  switch (mode) {
    case 'tracing-otlp':
      return { otlpEndpoint: collectorUrl(mode).replace(/\/v1\/traces$/, '') };
    case 'tracing-otlp-bsp':
      return { exporter: new OtlpTraceExporter({ url: collectorUrl(mode) }) };
    case 'tracing-otlp-sdk':
      return { exporter: new OTLPTraceExporter({ url: collectorUrl(mode) }) };
    default:
      return { exporter: dropAll as never };
  }
}

/**
 * `observability` and `startTracing` of this checkout, or of the baseline build the parent copied
 * to WHARF_BENCH_BASELINE (a `packages/observability/dist` of another version).
 */
async function build(baseline: boolean): Promise<{ observability: typeof observability; startTracing: typeof startTracing }> {
  if (!baseline) return { observability, startTracing };
  const dir = process.env.WHARF_BENCH_BASELINE;
  if (dir === undefined) throw new Error('an @baseline mode needs --baseline <dist directory>');
  const main = (await import(pathToFileURL(join(dir, 'index.js')).href)) as { observability: typeof observability };
  const otel = (await import(pathToFileURL(join(dir, 'otel', 'index.js')).href)) as { startTracing: typeof startTracing };
  return { observability: main.observability, startTracing: otel.startTracing };
}

export async function startTarget(name: TargetName, log: string): Promise<RunningTarget> {
  const cut = name.indexOf('-');
  const protocol = name.slice(0, cut) as Protocol;
  const variant = name.slice(cut + 1);
  const mode = variant.replace(/@baseline$/, '') as Mode;
  const { observability, startTracing } = await build(variant !== mode);
  const tracing =
    mode === 'metrics' || mode === 'off'
      ? undefined
      : startTracing({ ...exportOf(mode), context: mode === 'tracing-als' ? 'async-local-storage' : 'explicit' });
  const obs = observability({
    metrics: mode === 'metrics' || mode === 'both' ? {} : false,
    tracing: tracing === undefined ? false : { leanSpans: mode !== 'tracing-sdk' },
    logs: false,
  });
  const transport: Transport = protocol === 'http' ? httpTransport({ port: 0, routes: obs.routes }) : grpcTransport({ port: 0 });
  const app = createApp({
    ...(mode === 'off' ? {} : obs.app),
    name: 'bench',
    services: [service],
    transports: [transport],
    logger: pino({ level: 'info' }, pino.destination({ dest: log, sync: false })),
    shutdown: { signals: false },
  });
  await app.start();
  const address = app.addresses.find((a) => a.startsWith(`${protocol}://`)) as string;
  return {
    port: Number(new URL(address).port),
    close: async () => {
      await app.stop();
      await tracing?.shutdown();
    },
  };
}
