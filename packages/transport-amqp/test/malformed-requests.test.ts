// Requests a raw client can send that a Wharf caller never would, and replies that cannot be
// delivered: each is refused or counted with a clear log line, never run and answered into the void.
import { setTimeout as sleep } from 'node:timers/promises';
import { type App, type Context, defineContract, implement, type WharfError } from '@wharf/core';
import type { AmqpTransport, Log } from '@wharf/transport-amqp';
import amqp, { type Channel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  Apps,
  amqpInstances,
  BROKER_URL,
  brokerAvailable,
  deleteNamespace,
  eventually,
  uniqueNamespace,
} from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';

const desk = defineContract({
  name: 'desk',
  version: 1,
  methods: {
    ask: { input: z.object({ q: z.string() }), output: z.object({ a: z.string(), tenant: z.string().optional() }) },
    nap: { input: z.object({ ms: z.int() }), output: z.object({}) },
  },
});
const front = defineContract({
  name: 'front',
  version: 1,
  methods: { relay: { input: z.object({ ms: z.int() }), output: z.object({}) } },
});

let handled = 0;
const innerCodes: string[] = [];

const deskService = implement(desk, {
  async ask({ q }, ctx) {
    handled++;
    return { a: q.toUpperCase(), tenant: ctx.metadata['x-tenant'] };
  },
  async nap({ ms }, ctx) {
    await sleep(ms, undefined, { signal: ctx.signal }).catch(() => {});
    return {};
  },
});

const frontService = implement(front, {
  async relay({ ms }, ctx: Context) {
    try {
      await ctx.client(desk).nap({ ms });
    } catch (error) {
      innerCodes.push((error as WharfError).code);
      throw error;
    }
    return {};
  },
});

/** A logger that keeps what it is given. */
function recordingLog(): Log & { lines: { level: string; msg: string; obj: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const keep = (level: string) => (obj: object | string, msg?: string) =>
    lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? ''), obj: typeof obj === 'string' ? {} : (obj as never) });
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

const available = await brokerAvailable();

describe.skipIf(!available)('malformed requests and undeliverable replies', () => {
  installCrashGuard();
  const namespace = uniqueNamespace('malformed');
  const apps = new Apps();
  const log = recordingLog();
  let server: App;
  let transport: AmqpTransport;
  let connection: amqp.ChannelModel;
  let channel: Channel;
  const replies: ConsumeMessage[] = [];
  const queue = `${namespace}.desk.v1.rpc`;
  /** What the app's transport observers heard: the metric of requests refused before dispatch. */
  const refused: string[] = [];
  const observer = { requestRefused: (transport: string, code: string) => refused.push(`${transport} ${code}`) };

  beforeAll(async () => {
    server = await apps.start({
      name: 'desk',
      services: [deskService],
      namespace,
      amqp: { logger: log },
      observers: [observer],
    });
    transport = apps.transports[0] as AmqpTransport;
    connection = await amqp.connect(BROKER_URL);
    connection.on('error', () => {});
    channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.consume('amq.rabbitmq.reply-to', (m) => m && replies.push(m), { noAck: true });
  });

  afterAll(async () => {
    await connection?.close().catch(() => {});
    await apps.stopAll();
    await deleteNamespace(namespace);
  });

  const publish = (properties: amqp.Options.Publish, body = '{"q":"hi"}') =>
    channel.publish('', queue, Buffer.from(body), { contentType: 'application/json', ...properties });

  it('refuses a request without correlation_id, runs nothing, and says why in a reply and a log line', async () => {
    const before = handled;
    replies.length = 0;
    publish({ type: 'ask', replyTo: 'amq.rabbitmq.reply-to' });
    await eventually(() => replies.length === 1, 'the refusal arrives');
    const reply = replies[0] as ConsumeMessage;
    expect(reply.properties.headers?.['x-wharf-status']).toBe('error');
    expect(JSON.parse(reply.content.toString())).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('correlation_id'),
    });
    await sleep(50);
    expect(handled).toBe(before);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('correlation_id'))).toBe(true);
    expect(transport.stats().rpcMalformed).toBeGreaterThanOrEqual(1);
    expect(refused).toContain('amqp INVALID_ARGUMENT');
  });

  it('refuses a request without type with INVALID_ARGUMENT that names the methods, not "has no RPC null"', async () => {
    replies.length = 0;
    publish({ replyTo: 'amq.rabbitmq.reply-to', correlationId: 'no-type' });
    await eventually(() => replies.length === 1, 'the refusal arrives');
    const error = JSON.parse((replies[0] as ConsumeMessage).content.toString());
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).not.toContain('null');
    expect(error.message).toContain('ask');
    expect((replies[0] as ConsumeMessage).properties.correlationId).toBe('no-type');
    // A type that names no method is still UNIMPLEMENTED.
    replies.length = 0;
    publish({ type: 'nope', replyTo: 'amq.rabbitmq.reply-to', correlationId: 'bad-type' });
    await eventually(() => replies.length === 1, 'the refusal arrives');
    expect(JSON.parse((replies[0] as ConsumeMessage).content.toString()).code).toBe('UNIMPLEMENTED');
  });

  it('publishes replies mandatory: one whose reply_to queue does not exist is counted and logged, not counted as answered', async () => {
    const before = transport.stats();
    // Replies to direct reply-to (every test before this one) are delivered, never counted returned.
    expect(before.rpcUnroutable).toBe(0);
    const beforeHandled = handled;
    publish({ type: 'ask', replyTo: `${namespace}.nobody-listens-here`, correlationId: 'lost-1' });
    await eventually(() => transport.stats().rpcUnroutable === before.rpcUnroutable + 1, 'the returned reply is counted');
    expect(handled).toBe(beforeHandled + 1);
    expect(transport.stats().rpcAnswered).toBe(before.rpcAnswered);
    const line = log.lines.find((l) => l.msg.includes('returned'));
    expect(line?.level).toBe('warn');
    expect(line?.obj).toMatchObject({ replyTo: `${namespace}.nobody-listens-here`, correlationId: 'lost-1' });
  });

  it('refuses a request body nested deeper than 64 levels, or not UTF-8, with INVALID_ARGUMENT before parsing it', async () => {
    const before = handled;
    replies.length = 0;
    const depth = 500_000;
    publish(
      { type: 'ask', replyTo: 'amq.rabbitmq.reply-to', correlationId: 'deep' },
      `{"q":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    );
    channel.publish('', queue, Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), {
      type: 'ask',
      replyTo: 'amq.rabbitmq.reply-to',
      correlationId: 'latin1',
      contentType: 'application/json',
    });
    await eventually(() => replies.length === 2, 'both refusals arrive');
    const byId = new Map(replies.map((r) => [r.properties.correlationId, JSON.parse(r.content.toString())]));
    expect(byId.get('deep')).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('deeper than 64') });
    expect(byId.get('latin1')).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('UTF-8') });
    expect(handled).toBe(before);
  });

  it('takes integer metadata headers as metadata, and ignores a timeout header that is not a number', async () => {
    replies.length = 0;
    publish({
      type: 'ask',
      replyTo: 'amq.rabbitmq.reply-to',
      correlationId: 'int-meta',
      headers: { 'x-tenant': 42, 'x-wharf-timeout-ms': 'soon' },
    });
    await eventually(() => replies.length === 1, 'the reply arrives');
    expect(JSON.parse((replies[0] as ConsumeMessage).content.toString())).toEqual({ a: 'HI', tenant: '42' });
  });

  it('logs a flood of dropped requests in a few lines, and counts every one', async () => {
    const before = transport.stats().rpcDropped;
    const refusedBefore = refused.length;
    const warnings = () => log.lines.filter((l) => l.msg.includes('without reply-to')).length;
    const linesBefore = warnings();
    for (let i = 0; i < 500; i++) publish({ type: 'ask', correlationId: `flood-${i}` });
    await eventually(() => transport.stats().rpcDropped === before + 500, 'every dropped request is counted');
    // …and reported to the app's observers, which is where metrics count them.
    expect(refused.slice(refusedBefore)).toEqual(Array.from({ length: 500 }, () => 'amqp INVALID_ARGUMENT'));
    // Before: one warning per message (500 lines). Now the first, then a count per interval.
    expect(warnings() - linesBefore).toBeLessThanOrEqual(3);
  });

  it('fails a call made from a handler whose deadline passed with DEADLINE_EXCEEDED, not CANCELLED', async () => {
    const relay = await apps.start({
      name: 'front',
      services: [frontService],
      namespace,
      instances: amqpInstances(server, 'desk', '1'),
    });
    const client = await apps.start({ name: 'client', namespace, instances: amqpInstances(relay, 'front', '1') });
    innerCodes.length = 0;
    for (let i = 0; i < 4; i++) {
      await expect(client.client(front).relay({ ms: 2_000 }, { timeoutMs: 200 })).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
      });
    }
    await eventually(() => innerCodes.length === 4, 'every inner call has failed');
    expect(innerCodes).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
  });
});
