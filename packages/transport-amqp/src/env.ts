import { type EnvVar, withEnv } from '@wharf/core/transport';
import type { AmqpTransportOptions } from './options.js';
import { type AmqpTransport, amqpTransport as create } from './transport.js';

/** The variables `amqpTransport()` reads for options not given in code. */
export const AMQP_ENV: readonly EnvVar[] = [
  { name: 'WHARF_AMQP_URL', option: 'url', kind: 'url', description: 'the broker; default amqp://127.0.0.1:5672' },
  {
    name: 'WHARF_AMQP_NAMESPACE',
    option: 'namespace',
    kind: 'string',
    description: 'prefix of every exchange and queue, to share a broker between environments',
  },
  {
    name: 'WHARF_AMQP_PREFETCH',
    option: 'prefetch',
    kind: 'count',
    // AMQP's prefetch count is a 16-bit field.
    max: 65535,
    description: 'deliveries in flight per consumer, 1 to 65535; default 20',
  },
];

/**
 * The AMQP transport: RPC and events over RabbitMQ. Options not given here come from
 * `WHARF_AMQP_*` variables (see AMQP_ENV), then the defaults.
 */
export function amqpTransport(options: AmqpTransportOptions = {}): AmqpTransport {
  return create(withEnv(options, AMQP_ENV));
}
