// The servers the gRPC benchmark compares. Each does the same work for /greeter.v1.Greeter/Greet:
// decode the protobuf request (protobufjs, from the greeter's emitted .proto), validate it with the
// greeter contract's zod schema, look the greeting up, encode the protobuf reply.
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, type ServiceDefinition, status } from '@grpc/grpc-js';
import { createApp, implement, WharfError } from '@wharf/core';
import { greeter } from '@wharf/example-greeter';
import { grpcTransport } from '@wharf/transport-grpc';
import { pino } from 'pino';
import protobuf from 'protobufjs';

/** A started server: its port and how to stop it. */
export interface Target {
  readonly port: number;
  close(): Promise<void>;
}

export const TARGETS = ['raw', 'wharf'] as const;
export type TargetName = (typeof TARGETS)[number];

const GREETINGS: Readonly<Record<string, string>> = { en: 'Hello', fr: 'Bonjour', de: 'Hallo', es: 'Hola', ja: 'Konnichiwa' };

function greet(name: string, language: string): { message: string } {
  const greeting = GREETINGS[language];
  if (greeting === undefined) throw new WharfError('NOT_FOUND', `No greeting for language "${language}"`);
  return { message: `${greeting}, ${name}!` };
}

/** The greeter's emitted .proto, as committed (examples/greeter/proto). */
export function greeterProto(): string {
  return readFileSync(new URL('../proto/greeter/v1/greeter.proto', import.meta.resolve('@wharf/example-greeter')), 'utf8');
}

/** The greeter contract implemented without the `greeted` event, so both servers do the same work. */
const service = implement(greeter, {
  greet: ({ name, language }) => greet(name, language),
  language: ({ code }) => ({ code, name: code, greeting: GREETINGS[code] ?? '' }),
  async *countdown({ from }) {
    for (let n = from; n >= 0; n--) yield { n };
  },
  stats: () => ({ greeted: 0 }),
});

async function wharf(log: string): Promise<Target> {
  const app = createApp({
    name: 'bench',
    services: [service],
    transports: [grpcTransport({ port: 0 })],
    logger: pino({ level: 'info' }, pino.destination({ dest: log, sync: false })),
    shutdown: { signals: false },
  });
  await app.start();
  const address = app.addresses.find((a) => a.startsWith('grpc://')) as string;
  return { port: Number(address.slice(address.lastIndexOf(':') + 1)), close: () => app.stop() };
}

/** Plain grpc-js with protobufjs codecs and the same zod validation: what Wharf is measured against. */
async function raw(): Promise<Target> {
  const root = protobuf.parse(greeterProto(), { keepCase: true }).root;
  const Request = root.lookupType('greeter.v1.GreetRequest');
  const Response = root.lookupType('greeter.v1.GreetResponse');
  const schema = greeter.methods.greet.input;
  const definition: ServiceDefinition = {
    Greet: {
      path: '/greeter.v1.Greeter/Greet',
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => Buffer.from(Request.encode(value).finish()),
      requestDeserialize: (bytes: Buffer) => Request.toObject(Request.decode(bytes)),
      responseSerialize: (value: object) => Response.encode(value).finish() as Buffer,
      responseDeserialize: (bytes: Buffer) => Response.toObject(Response.decode(bytes)),
      originalName: 'greet',
    },
  };
  const server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  server.addService(definition, {
    Greet(call: { request: unknown }, callback: (error: object | null, value?: object) => void) {
      const parsed = schema.safeParse(call.request);
      if (!parsed.success) {
        callback({ code: status.INVALID_ARGUMENT, details: parsed.error.issues.map((i) => i.message).join('; ') });
        return;
      }
      try {
        callback(null, greet(parsed.data.name, parsed.data.language));
      } catch (error) {
        callback({ code: status.NOT_FOUND, details: (error as Error).message });
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { port, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

export function startTarget(name: TargetName, log: string): Promise<Target> {
  return name === 'wharf' ? wharf(log) : raw();
}
