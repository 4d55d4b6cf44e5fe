// Lean and SDK span starters on one SDK tracer that exports to memory: what the lean-span tests
// compare. Each test file shuts down what it made with `shutDownStarters` after each test.
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  type Sampler,
  SimpleSpanProcessor,
  type SpanLimits,
} from '@opentelemetry/sdk-trace-base';
import { delegateOf, spanStarter } from '../src/tracing/fast-tracer.js';

/** What the tests vary of the SDK's tracer. */
export interface StarterOptions {
  readonly spanLimits?: SpanLimits;
  readonly sampler?: Sampler;
  readonly idGenerator?: IdGenerator;
}

const providers: BasicTracerProvider[] = [];

/** The SDK tracer, its in-memory exporter, and a lean and an SDK span starter on it. */
export function spanStarters(options: StarterOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ ...options, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  providers.push(provider);
  const tracer = delegateOf(provider.getTracer('@wharf/observability', '1.0.0'));
  return { exporter, tracer, lean: spanStarter(tracer, true), sdk: spanStarter(tracer, false) };
}

/** Shuts down every provider `spanStarters` made. */
export async function shutDownStarters(): Promise<void> {
  await Promise.all(providers.splice(0).map((provider) => provider.shutdown()));
}
