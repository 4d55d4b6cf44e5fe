// What the AMQP bench's processes share: the contract, the raw library's names, the messages.
import { defineContract } from '@wharf/core';
import * as z from 'zod';

export const BROKER = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The four contenders; each run pairs a server process with a load process of the same kind. */
export type Kind = 'wharf-rpc' | 'raw-rpc' | 'wharf-events' | 'raw-events';

export const bench = defineContract({
  name: 'bench',
  version: '1.0.0',
  methods: {
    echo: { input: z.object({ n: z.int(), text: z.string() }), output: z.object({ n: z.int(), text: z.string() }) },
  },
  events: { tick: { payload: z.object({ n: z.int(), text: z.string() }) } },
});

/** Raw amqplib names, under the run's namespace. */
export function rawNames(namespace: string) {
  return {
    rpcQueue: `${namespace}.raw.rpc`,
    exchange: `${namespace}.raw.events`,
    eventQueue: `${namespace}.raw.on.tick`,
  };
}

/** RPCs in flight from the load process. */
export const RPC_IN_FLIGHT = 50;
/** Unconfirmed events the publisher keeps in flight. */
export const EVENTS_IN_FLIGHT = 200;
/** Unacked messages per consumer, for both contenders (Wharf's default). */
export const PREFETCH = 20;

/** Parent → child. */
export type Command = { cmd: 'start' } | { cmd: 'stop' };
/** Child → parent. */
export type Report =
  | { ready: true }
  | { started: true }
  | { server: { handled: number; cpuMs: number } }
  | { load: { count: number; seconds: number; p50: number; p99: number; cpuMs: number } }
  | { error: string };
