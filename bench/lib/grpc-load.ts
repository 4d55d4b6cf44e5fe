// Child process: a grpc-js client keeping `inFlight` unary calls going for `duration` seconds, on
// one channel. The request bytes are prepared once, so the client spends its CPU on gRPC alone.
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { greeterProto } from './grpc-targets.js';

/** What the parent asks for. */
export interface GrpcLoadRequest {
  readonly port: number;
  readonly inFlight: number;
  readonly duration: number;
}

/** What the parent gets back: completed calls, failures, and every latency (ms). */
export interface GrpcLoadResult {
  readonly calls: number;
  readonly errors: number;
  readonly seconds: number;
  readonly latencies: number[];
}

const root = protobuf.parse(greeterProto(), { keepCase: true }).root;
const request = Buffer.from(root.lookupType('greeter.v1.GreetRequest').encode({ name: 'Ada', language: 'fr' }).finish());
const passthrough = (b: Buffer) => b;
const prefix = `bench-${process.pid}-`;

function run({ port, inFlight, duration }: GrpcLoadRequest, client: Client): Promise<GrpcLoadResult> {
  return new Promise((resolve) => {
    const latencies: number[] = [];
    let errors = 0;
    let active = 0;
    let n = 0;
    const started = performance.now();
    const until = started + duration * 1000;
    const one = () => {
      active++;
      const t0 = performance.now();
      const metadata = new Metadata();
      metadata.set('x-request-id', `${prefix}${n++}`);
      client.makeUnaryRequest(
        '/greeter.v1.Greeter/Greet',
        passthrough,
        passthrough,
        request,
        metadata,
        { deadline: Date.now() + 30_000 },
        (error) => {
          active--;
          const t1 = performance.now();
          if (error) errors++;
          else latencies.push(t1 - t0);
          if (t1 < until) one();
          else if (active === 0) resolve({ calls: latencies.length, errors, seconds: (t1 - started) / 1000, latencies });
        },
      );
    };
    void port;
    for (let i = 0; i < inFlight; i++) one();
  });
}

let client: Client | undefined;
process.on('message', async (message: GrpcLoadRequest & { type: 'connect' | 'go' | 'stop' }) => {
  if (message.type === 'connect') {
    client = new Client(`127.0.0.1:${message.port}`, credentials.createInsecure());
    await run({ ...message, inFlight: 1, duration: 0.2 }, client);
    process.send?.({ type: 'connected' });
  } else if (message.type === 'go') {
    const result = await run(message, client as Client);
    process.send?.({ type: 'result', ...result });
  } else {
    client?.close();
    process.exit(0);
  }
});
