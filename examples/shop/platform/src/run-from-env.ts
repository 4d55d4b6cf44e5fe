import { configFromEnv } from './config.js';
import type { MessagingTables } from './messaging-tables.js';
import { type RunningService, type ServiceModule, startService } from './runtime.js';

/**
 * Runs one service as its own process, configured by the environment (`DATABASE_URL` or
 * `SHOP_DATA_DIR`, `AMQP_URL`, `WHARF_REGISTRY`, `SHOP_ISSUER`, `SHOP_CLIENT_SECRET`, `GRPC_PORT`,
 * `ADMIN_PORT`, `SHOP_ROUTES`, `OTLP_ENDPOINT`): logs `<name> is up` with its addresses once it is
 * ready, and drains on SIGTERM or SIGINT (deregister, finish in-flight work, close) before exiting.
 */
export async function runFromEnv<DB extends MessagingTables>(module: ServiceModule<DB>): Promise<RunningService> {
  const config = configFromEnv();
  let tracing: { shutdown(): Promise<void> } | undefined;
  if (config.otlpEndpoint !== undefined) {
    const { startTracing } = await import('@wharf/observability/otel');
    tracing = startTracing({
      serviceName: module.name,
      otlpEndpoint: config.otlpEndpoint,
      sampleRatio: Number(process.env.OTLP_SAMPLE_RATIO ?? 1),
    });
  }
  const running = await startService(module, config);
  // Always printed, whatever the log level: process supervisors and the launcher wait for it.
  const up = { addresses: running.app.addresses, admin: running.admin?.port, database: running.database.location };
  process.stdout.write(`${JSON.stringify({ message: `${module.name} is up`, ...up })}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.stop();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return running;
}
