// The channel plumbing on its own: a managed channel re-opening across connections (real broker,
// our own connection only), and the RPC client matching replies to the channel of their call.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { defineContract, type WharfError } from '@wharf/core';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Connection } from '../src/connection/connection.js';
import { ManagedChannel } from '../src/connection/managed-channel.js';
import { RpcClient } from '../src/rpc/client.js';
import { BROKER_URL, brokerAvailable, eventually, testLog } from './helpers/broker.js';
import { installCrashGuard } from './helpers/crash-guard.js';

const available = await brokerAvailable();

/** Drops the TCP connection under amqplib, as a network failure would. */
function dropSocket(model: ChannelModel): void {
  (model.connection as unknown as { stream: { destroy(error?: Error): void } }).stream.destroy(new Error('dropped by the test'));
}

describe.skipIf(!available)('a managed channel against the real broker', () => {
  installCrashGuard();
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  it('opens on a new connection even when its first setup there fails while a retry for the old one is pending', async () => {
    const connection = new Connection({
      url: BROKER_URL,
      heartbeatSeconds: 10,
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
      name: 'wharf-test-managed-channel',
      logger: testLog,
    });
    let failNextSetup = false;
    let setups = 0;
    const managed = new ManagedChannel<Channel>(
      connection,
      {
        name: 'test',
        confirm: false,
        setup: async () => {
          setups++;
          if (failNextSetup) {
            failNextSetup = false;
            throw new Error('this setup fails once');
          }
        },
      },
      testLog,
    );
    cleanup.push(async () => {
      await managed.close();
      await connection.close();
    });
    await managed.start(Date.now() + 5_000);
    const first = managed.current as Channel;
    const firstConnection = connection.current as ChannelModel;

    // The broker closes the channel (404): a retry is scheduled on this connection...
    await first.checkQueue(`wharf-test.no-such-queue.${randomBytes(4).toString('hex')}`).catch(() => {});
    await eventually(() => managed.current === undefined, 'the channel is closed');
    // ...and before it fires the connection drops; on the next one, the first setup fails.
    failNextSetup = true;
    dropSocket(firstConnection);
    await eventually(() => managed.current !== undefined, 'the channel is open again on the new connection');
    expect(connection.current).not.toBe(firstConnection);
    expect(setups).toBeGreaterThanOrEqual(3);
  });
});

const math = defineContract({
  name: 'math',
  version: '1.0.0',
  methods: { twice: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) } },
});

/** Just enough of an amqplib channel for the RPC client. */
class FakeChannel extends EventEmitter {
  consumer: ((message: ConsumeMessage | null) => void) | undefined;
  readonly published: { correlationId: string }[] = [];

  async consume(_queue: string, consumer: (message: ConsumeMessage | null) => void) {
    this.consumer = consumer;
    return { consumerTag: 'fake' };
  }

  publish(_exchange: string, _routingKey: string, _content: Buffer, options: { correlationId: string }) {
    this.published.push(options);
    return true;
  }

  async close() {
    this.emit('close');
  }

  /** Delivers a reply with `correlationId` to this channel's reply consumer. */
  reply(correlationId: string, body: unknown) {
    this.consumer?.({
      content: Buffer.from(JSON.stringify(body)),
      fields: {},
      properties: { correlationId, headers: { 'x-wharf-status': 'ok' } },
    } as unknown as ConsumeMessage);
  }
}

describe('the RPC client', () => {
  it('leaves a call alone when a reply with its id arrives on another channel than its own', async () => {
    const channels: FakeChannel[] = [];
    const model = {
      createChannel: async () => {
        const channel = new FakeChannel();
        channels.push(channel);
        return channel;
      },
    };
    const connection = { current: model, onUp: () => () => {}, connected: async () => model } as unknown as Connection;
    const client = new RpcClient({
      connection,
      logger: testLog,
      namespace: undefined,
      maxBuffered: 10,
      maxMessageBytes: 1_000_000,
      connectWaitMs: 1_000,
      reaches: () => true,
      broker: 'fake',
    });
    const call = () =>
      client.call({
        ref: math.methods.twice,
        address: 'amqp://fake:5672/',
        input: { n: 2 },
        metadata: {},
        deadline: undefined,
        signal: undefined,
        parent: undefined,
        onCancel: () => () => {},
      });

    const first = call();
    await eventually(() => channels[0]?.published.length === 1, 'the first call is sent');
    // Its channel closes: the call fails, and the next call goes out on a new channel.
    await channels[0]?.close();
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const second = call();
    await eventually(() => channels[1]?.published.length === 1, 'the second call is sent on a new channel');
    const id = channels[1]?.published[0]?.correlationId as string;

    // A reply with the second call's id on the first channel is not its reply.
    channels[0]?.reply(id, { n: -1 });
    expect(client.pending).toBe(1);
    channels[1]?.reply(id, { n: 4 });
    const outcome = await Promise.race([
      second,
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 1 s'), 1_000)),
    ]).catch((error: WharfError) => error);
    expect(outcome).toEqual({ n: 4 });
    await client.close();
  });
});
