import { ecsFormat } from '@elastic/ecs-pino-format';
import { context } from '@opentelemetry/api';
import type { AppIdentity } from '@wharf/core';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { explicitContext } from '../tracing/propagation-state.js';
import { traceFields } from '../tracing/spans.js';

/** Options of `ecsLogger`. */
export interface EcsLoggerOptions {
  /** `service.name`; default the app's name. */
  readonly serviceName?: string;
  /** `service.version`. */
  readonly serviceVersion?: string;
  /** `service.environment`, e.g. `production`. */
  readonly serviceEnvironment?: string;
  /** Default `LOG_LEVEL` or `info`. */
  readonly level?: string;
  /** Where lines go; default stdout. */
  readonly destination?: DestinationStream;
}

// Fields core writes under short names, and where ECS wants them. `service` must move: in ECS it
// is an object (`service.name`), and a plain string there is a mapping conflict in Elasticsearch.
const RENAMED: Readonly<Record<string, string>> = {
  requestId: 'wharf.request_id',
  service: 'wharf.service',
  method: 'wharf.method',
  transport: 'wharf.transport',
};

function renamed(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in RENAMED) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    out ??= { ...fields };
    delete out[key];
    out[RENAMED[key] as string] = value;
  }
  const result = out ?? fields;
  // The request log line (core's requestLog): its duration and outcome in ECS's event fields.
  if (typeof result.durationMs === 'number' && typeof result.code === 'string') {
    out = { ...result };
    out['event.duration'] = Math.round((result.durationMs as number) * 1e6); // ECS: nanoseconds
    out['event.outcome'] = result.code === 'OK' ? 'success' : 'failure';
    out['wharf.code'] = result.code;
    delete out.durationMs;
    delete out.code;
    return out;
  }
  return result;
}

/** A logger whose children get ECS names for core's bindings (`ctx.log` is such a child). */
function ecsChildren(logger: Logger): Logger {
  const wrapped = Object.create(logger) as Logger;
  wrapped.child = ((bindings: Record<string, unknown>, options?: object) =>
    ecsChildren(logger.child(renamed(bindings), options as never))) as unknown as Logger['child'];
  return wrapped;
}

/**
 * The trace of the line being written, from the active context (with the async-local-storage
 * context manager). With `startTracing`'s explicit propagation the tracing middleware binds the
 * request's ids to `ctx.log` instead (`bindLog`), and the active context is not read at all —
 * whatever another library's context manager holds there — so a line never gets them twice.
 */
function activeTraceFields(): Record<string, string> {
  // A fresh object each time: pino merges the line's own fields into what the mixin returns.
  return (explicitContext() ? undefined : traceFields(context.active())) ?? {};
}

/**
 * pino writing Elastic Common Schema JSON (via `@elastic/ecs-pino-format`): `@timestamp`,
 * `log.level`, `message`, `service.name`/`version`/`node.name` (the app's instance id),
 * `process.pid`, `host.hostname`, errors as `error.*`; on every line written while a traced
 * request is handled, `trace.id`, `span.id` and `transaction.id`; core's request fields as
 * `wharf.request_id`, `wharf.service`, `wharf.method`, `wharf.transport`. Filebeat, Logstash or
 * Elasticsearch ingest it with no adapter. Pass it as `createApp({ logger: ecsLogger() })`.
 */
export function ecsLogger(options: EcsLoggerOptions = {}): (app: AppIdentity) => Logger {
  return (app) => {
    const ecs = ecsFormat({
      serviceName: options.serviceName ?? app.name,
      serviceVersion: options.serviceVersion,
      serviceEnvironment: options.serviceEnvironment,
      serviceNodeName: app.instanceId,
      apmIntegration: false,
    });
    const formatLog = ecs.formatters?.log ?? ((o: Record<string, unknown>) => o);
    const config: LoggerOptions = {
      ...ecs,
      name: app.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      mixin: activeTraceFields,
      formatters: { ...ecs.formatters, log: (object) => formatLog(renamed(object)) },
    };
    const root = options.destination === undefined ? pino(config) : pino(config, options.destination);
    return ecsChildren(root);
  };
}
