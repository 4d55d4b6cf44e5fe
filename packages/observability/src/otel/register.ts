// `node --import @wharf/observability/register main.js`: tracing configured only by the standard
// OTEL_* environment variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER,
// …), started before the app's modules load, and flushed on exit.
import { startTracing } from './index.js';

const tracing = startTracing();
const stop = () => {
  tracing.shutdown().catch(() => {});
};
process.once('beforeExit', stop);
