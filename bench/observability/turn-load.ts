// Child process: the observability bench's load, in turns. It keeps connections open to every
// server of a round (keep-alive HTTP through undici, or one grpc-js channel each) and, on `turn`,
// keeps `inFlight` Greet calls going against one of them for `ms`, then says how many completed.
// The servers stay connected between turns, so a turn measures calls, not connection set-up.
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { Pool } from 'undici';
import { greeterProto } from '../lib/grpc-targets.js';

/** What the parent sends. */
export type TurnMessage =
  | { readonly type: 'connect'; readonly protocol: 'http' | 'grpc'; readonly ports: readonly number[]; readonly inFlight: number }
  | { readonly type: 'turn'; readonly index: number; readonly ms: number }
  | { readonly type: 'stop' };

/** What a turn reports: completed calls, failed calls, and the turn's length including its tail. */
export interface TurnResult {
  readonly type: 'turned';
  readonly calls: number;
  readonly errors: number;
  readonly ms: number;
}

type Send = (done: (ok: boolean) => void) => void;
interface Target {
  readonly send: Send;
  close(): Promise<void> | void;
}

const body = JSON.stringify({ name: 'Ada', language: 'fr' });
const headers = { 'content-type': 'application/json' };
const root = protobuf.parse(greeterProto(), { keepCase: true }).root;
const greetRequest = Buffer.from(root.lookupType('greeter.v1.GreetRequest').encode({ name: 'Ada', language: 'fr' }).finish());
const passthrough = (b: Buffer) => b;

function httpTarget(port: number, connections: number): Target {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 });
  return {
    send: (done) => {
      pool.request({ path: '/v1/greetings', method: 'POST', body, headers }).then(
        async (response) => {
          await response.body.dump();
          done(response.statusCode === 200);
        },
        () => done(false),
      );
    },
    close: () => pool.close(),
  };
}

function grpcTarget(port: number): Target {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    send: (done) => {
      client.makeUnaryRequest(
        '/greeter.v1.Greeter/Greet',
        passthrough,
        passthrough,
        greetRequest,
        new Metadata(),
        { deadline: Date.now() + 30_000 },
        (error) => done(error === null),
      );
    },
    close: () => client.close(),
  };
}

/** A closed loop of `inFlight` calls for `ms`; calls started before the end are waited for and counted. */
function run(target: Target, inFlight: number, ms: number): Promise<TurnResult> {
  return new Promise((resolve) => {
    let calls = 0;
    let errors = 0;
    let active = 0;
    const started = performance.now();
    const until = started + ms;
    const one = () => {
      active++;
      target.send((ok) => {
        active--;
        if (ok) calls++;
        else errors++;
        if (performance.now() < until) one();
        else if (active === 0) resolve({ type: 'turned', calls, errors, ms: performance.now() - started });
      });
    };
    for (let i = 0; i < inFlight; i++) one();
  });
}

let targets: Target[] = [];
let inFlight = 1;
process.on('message', async (message: TurnMessage) => {
  if (message.type === 'connect') {
    inFlight = message.inFlight;
    targets = message.ports.map((port) => (message.protocol === 'http' ? httpTarget(port, inFlight) : grpcTarget(port)));
    // One short turn each opens every connection before anything is measured.
    for (const target of targets) await run(target, inFlight, 100);
    process.send?.({ type: 'connected' });
  } else if (message.type === 'turn') {
    process.send?.(await run(targets[message.index] as Target, inFlight, message.ms));
  } else {
    await Promise.allSettled(targets.map((t) => t.close()));
    process.exit(0);
  }
});
// A parent that died without saying `stop` leaves no load behind.
process.on('disconnect', () => process.exit(0));
