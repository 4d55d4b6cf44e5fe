// The AsyncAPI document describes everything on the wire: on a private node with RabbitMQ's
// firehose tracer on, real traffic (RPC success and error, events, a retry, a dead letter) is
// recorded as the broker saw it, and every header of every message must be declared by the
// document's message for it. A message the document does not describe at all fails the test too.
import { Parser } from '@asyncapi/parser';
import { type Context, defineContract, On, Rpc, Service, WharfError } from '@wharf/core';
import { asyncApiDocument } from '@wharf/transport-amqp';
import amqp, { type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Apps, amqpInstances, eventually, uniqueNamespace } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';
import { canStartNode, type FaultNode, startFaultNode } from './helpers/fault-node.js';

const ledger = defineContract({
  name: 'ledger',
  version: '1.0.0',
  methods: {
    book: { input: z.object({ cents: z.int() }), output: z.object({ id: z.string() }) },
  },
  events: {
    booked: { payload: z.object({ id: z.string(), cents: z.int() }) },
    voided: { payload: z.object({ id: z.string() }) },
  },
});

const seen = { booked: 0, voided: 0 };

@Service(ledger)
class Ledger {
  @Rpc(ledger.methods.book)
  async book({ cents }: { cents: number }, ctx: Context) {
    if (cents < 0) throw new WharfError('FAILED_PRECONDITION', 'No negative bookings', { cents });
    const id = `b-${cents}`;
    await ctx.emit(ledger.events.booked, { id, cents });
    return { id };
  }

  // Fails its first attempt: a retry through the delay exchange, back through the delay queue.
  @On(ledger.events.booked)
  onBooked(_event: unknown, ctx: Context) {
    seen.booked++;
    if (ctx.event?.attempt === 1) throw new WharfError('UNAVAILABLE', 'Try again');
  }

  // Never succeeds: a dead letter at once.
  @On(ledger.events.voided)
  onVoided() {
    seen.voided++;
    throw new WharfError('INVALID_ARGUMENT', 'Voids are refused', { fieldViolations: [{ field: 'id', description: 'no' }] });
  }
}

interface Traced {
  /** `publish` or `deliver`. */
  readonly action: string;
  readonly exchange: string;
  readonly routingKey: string;
  /** The queue, for a delivery. */
  readonly queue: string;
  readonly type: string | undefined;
  readonly headers: Record<string, unknown>;
}

/** One firehose message as what the broker saw: RabbitMQ puts the original properties in a `properties` header. */
function traced(message: ConsumeMessage): Traced {
  const [action = '', ...rest] = message.fields.routingKey.split('.');
  const h = message.properties.headers ?? {};
  const properties = (h.properties ?? {}) as Record<string, unknown>;
  const routingKeys = (h.routing_keys ?? []) as unknown[];
  return {
    action,
    exchange: String(h.exchange_name ?? ''),
    routingKey: String(routingKeys[0] ?? ''),
    queue: action === 'deliver' ? rest.join('.') : '',
    type: typeof properties.type === 'string' ? properties.type : undefined,
    headers: (properties.headers ?? {}) as Record<string, unknown>,
  };
}

const nodeAvailable = canStartNode();
if (!nodeAvailable && process.env.CI)
  throw new Error('The wire test needs rabbitmq-server on this machine: tools/services up rabbitmq');

describe.skipIf(!nodeAvailable)('the AsyncAPI document against the wire', () => {
  installCrashGuard();
  const apps = new Apps();
  const namespace = uniqueNamespace('wire');
  let node: FaultNode;
  let tap: amqp.ChannelModel;
  const wire: Traced[] = [];

  beforeAll(async () => {
    node = await startFaultNode();
    // The firehose: every publish and delivery on the vhost, copied to amq.rabbitmq.trace.
    await node.ctl('trace_on');
    tap = await amqp.connect(node.url);
    tap.on('error', () => {});
    const channel = await tap.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, 'amq.rabbitmq.trace', '#');
    await channel.consume(queue, (m) => m && wire.push(traced(m)), { noAck: true });
  }, 90_000);

  afterAll(async () => {
    await apps.stopAll();
    await tap?.close().catch(() => {});
    await node?.stop();
  }, 60_000);

  it('declares every header seen on the wire, for every message the service sends or receives', async () => {
    const server = await apps.start({ name: 'ledger', services: [new Ledger()], namespace, url: node.url });
    const client = await apps.start({
      name: 'teller',
      namespace,
      url: node.url,
      instances: amqpInstances(server, 'ledger'),
    });
    const metadata = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=1',
      baggage: 'tenant=acme',
      authorization: 'Bearer token',
      'x-request-id': 'wire-1',
    };
    await client.client(ledger).book({ cents: 100 }, { metadata, timeoutMs: 5_000 });
    await expect(client.client(ledger).book({ cents: -1 }, { metadata })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await client.emit(ledger.events.voided, { id: 'b-1' }, { metadata });
    await eventually(() => seen.booked >= 2 && seen.voided >= 1, 'the retry and the dead letter happen', 20_000);
    const P = `${namespace}.`;
    /** The document's message for a traced one; undefined for traffic it does not describe. */
    const messageOf = (m: Traced): string | undefined => {
      if (m.action === 'deliver') {
        if (m.queue === `${P}ledger.v1.rpc`) return `${m.type}.request`;
        if (m.queue.startsWith(`${P}ledger.on.`)) return `on.${m.queue.slice(`${P}ledger.on.`.length)}`;
        return undefined;
      }
      if (m.exchange === '' && m.routingKey === `${P}ledger.v1.rpc`) return `${m.type}.request`;
      if (m.exchange === '' && m.routingKey === `${P}ledger.v1.rpc.methods`) return 'serviceRecord';
      if (m.exchange === '' && m.routingKey.startsWith('amq.rabbitmq.reply-to'))
        return m.headers['x-wharf-status'] === 'error' ? 'error' : 'book.reply';
      if (m.exchange === `${P}wharf.events`) return `event.${m.routingKey}`;
      if (m.exchange === `${P}wharf.delay`) return 'retry';
      if (m.exchange === '' && m.routingKey === `${P}ledger.dlq`) return 'deadLetter';
      return undefined;
    };

    const expectedKinds = [
      'book.reply',
      'book.request',
      'deadLetter',
      'error',
      'event.ledger.booked',
      'event.ledger.voided',
      'on.onBooked',
      'on.onVoided',
      'retry',
      'serviceRecord',
    ].sort();
    // The firehose copies arrive a while after the handlers ran, each channel's on its own
    // schedule: wait until every kind of message, and the retried delivery (the one carrying
    // x-death), has been traced. On a timeout the assertions below say what is missing.
    await eventually(
      () =>
        expectedKinds.every((kind) => wire.some((m) => messageOf(m) === kind)) &&
        wire.some((m) => messageOf(m) === 'on.onBooked' && 'x-death' in m.headers),
      'every kind of message, and the retried delivery, is on the wire',
      10_000,
    ).catch(() => {});

    const doc = asyncApiDocument({ contract: ledger, service: new Ledger(), namespace, url: node.url }) as {
      components: { messages: Record<string, { headers?: { properties?: Record<string, unknown> } }> };
    };
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.message)).toEqual([]);
    const declared = (message: string) => Object.keys(doc.components.messages[message]?.headers?.properties ?? {});

    const seenHeaders = new Map<string, Set<string>>();
    const undeclared: string[] = [];
    const undescribed: string[] = [];
    for (const m of wire) {
      const message = messageOf(m);
      if (message === undefined) {
        undescribed.push(`${m.action} exchange=${JSON.stringify(m.exchange)} key=${m.routingKey} queue=${m.queue}`);
        continue;
      }
      const keys = seenHeaders.get(message) ?? new Set<string>();
      seenHeaders.set(message, keys);
      for (const header of Object.keys(m.headers)) {
        keys.add(header);
        if (!declared(message).includes(header)) undeclared.push(`${message}: ${header}`);
      }
    }
    console.log(
      `wire: ${wire.length} messages traced; headers seen per message:\n${[...seenHeaders]
        .map(([message, keys]) => `  ${message}: ${[...keys].sort().join(', ')}`)
        .join('\n')}`,
    );
    expect(undescribed).toEqual([]);
    expect([...new Set(undeclared)]).toEqual([]);
    // The traffic covered what the document describes.
    expect([...seenHeaders.keys()].sort()).toEqual(expectedKinds);
    // And the headers the issue found missing are on the wire and declared.
    expect(seenHeaders.get('book.request')).toContain('x-wharf-deadline');
    expect(seenHeaders.get('book.request')).toContain('baggage');
    expect(seenHeaders.get('event.ledger.booked')).toContain('baggage');
    expect(seenHeaders.get('book.reply')).toContain('x-wharf-status');
    expect(seenHeaders.get('on.onBooked')).toContain('x-death');
  });
});
