// A service bound to a hand-written .proto (with an import): all four call shapes, metadata both
// ways, exact statuses, empty streams; called by a plain grpc-js + proto-loader client and by Wharf.
import { fileURLToPath } from 'node:url';
import {
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type App, createApp, DeclarationError, defineContract, implement, WharfError } from '@wharf/core';
import { grpcTransport, type ProtoBinding, withProto } from '@wharf/transport-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, logger, serve } from './helpers.js';

const protoDir = fileURLToPath(new URL('./fixtures/proto', import.meta.url));
const binding: ProtoBinding = { files: 'acme/chat/v1/chat.proto', includeDirs: [protoDir], service: 'acme.chat.v1.Chat' };

const Text = z.object({ text: z.string().max(100), tags: z.array(z.string()) });
const Reply = z.object({
  text: z.string(),
  sequence: z.string(),
  mood: z.enum(['MOOD_UNSPECIFIED', 'HAPPY', 'SAD']),
  counts: z.record(z.string(), z.int()),
  extra: z.enum(['note', 'blob']).optional(),
  note: z.string().optional(),
  blob: z.instanceof(Uint8Array).optional(),
  maybe: z.int().optional(),
  at: z.object({ seconds: z.string(), nanos: z.int() }).optional(),
});

const chat = defineContract({
  name: 'chat',
  version: 1,
  methods: withProto(binding, {
    say: { input: Text, output: Reply },
    listen: { input: z.object({ room: z.string(), count: z.int() }), output: Text, stream: 'server' },
    upload: {
      input: z.object({ data: z.instanceof(Uint8Array) }),
      output: z.object({ bytes: z.string(), chunks: z.int() }),
      stream: 'client',
    },
    converse: { input: Text, output: Reply, stream: 'bidi' },
  }),
});

const STATUS_MESSAGE = '  spaced\tmessage — ünïcødé ✓ 日本語 100%  \n second line ';

const service = implement(chat, {
  async say({ text, tags }, ctx) {
    ctx.response.header('x-greeting', 'hello');
    ctx.response.header('x-echo-bin', Buffer.from(ctx.metadata['x-token-bin'] ?? '', 'base64'));
    ctx.response.flushHeaders();
    ctx.response.trailer('x-done', 'yes');
    ctx.response.trailer('x-checksum-bin', new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    if (text === 'fail') throw new WharfError('FAILED_PRECONDITION', STATUS_MESSAGE, { why: 'asked to' });
    return {
      text: `${ctx.metadata['x-user'] ?? 'anonymous'}: ${text}`,
      sequence: '9007199254740993',
      mood: 'HAPPY' as const,
      counts: { tags: tags.length },
      note: 'a note',
      maybe: 0,
      at: { seconds: '1700000000', nanos: 5 },
    };
  },
  async *listen({ room, count }, ctx) {
    ctx.response.header('x-room', room);
    ctx.response.trailer('x-sent-bin', new Uint8Array([count]));
    for (let i = 0; i < count; i++) yield { text: `${room} ${i}`, tags: [] };
  },
  async upload(chunks, ctx) {
    let bytes = 0;
    let count = 0;
    for await (const { data } of chunks) {
      bytes += data.length;
      count++;
    }
    ctx.response.trailer('x-chunks', String(count));
    return { bytes: String(bytes), chunks: count };
  },
  async *converse(texts, ctx) {
    ctx.response.header('x-mode', 'echo');
    let n = 0;
    for await (const { text } of texts) {
      if (text === 'boom') {
        ctx.response.trailer('x-failed-at', String(n));
        throw new WharfError('ABORTED', STATUS_MESSAGE);
      }
      n++;
      yield { text: text.toUpperCase(), sequence: String(n), mood: 'SAD' as const, counts: {}, blob: Buffer.from([n]) };
    }
  },
});

// --- A plain grpc-js + proto-loader client, loading the same .proto.
type Callback = (error: ServiceError | null, reply?: Record<string, unknown>) => void;
interface ChatClient extends Client {
  Say(request: object, metadata: Metadata, callback: Callback): ClientUnaryCall;
  Listen(request: object, metadata?: Metadata): ClientReadableStream<Record<string, unknown>>;
  Upload(metadata: Metadata, callback: Callback): ClientWritableStream<object>;
  Converse(metadata?: Metadata): ClientDuplexStream<object, Record<string, unknown>>;
  Unused(request: object, callback: Callback): ClientUnaryCall;
}
const definition = loadSync('acme/chat/v1/chat.proto', {
  includeDirs: [protoDir],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const Chat = (loadPackageDefinition(definition) as unknown as { acme: { chat: { v1: { Chat: ServiceClientConstructor } } } }).acme
  .chat.v1.Chat;

let server: Awaited<ReturnType<typeof serve>>;
let raw: ChatClient;
let app: App;

beforeAll(async () => {
  server = await serve([service]);
  raw = new Chat(server.target, credentials.createInsecure()) as unknown as ChatClient;
  app = await caller();
});

afterAll(async () => {
  raw.close();
  await app.stop();
  await server.app.stop();
});

function collect<T>(
  stream: ClientReadableStream<T>,
): Promise<{ messages: T[]; headers?: Metadata; status: { code: number; details: string; metadata: Metadata } }> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    let headers: Metadata | undefined;
    stream.on('metadata', (m) => {
      headers = m;
    });
    stream.on('data', (m: T) => messages.push(m));
    stream.on('error', () => {});
    stream.on('status', (s) => resolve({ messages, headers, status: s }));
  });
}

describe('bring your own .proto — a plain grpc-js client', () => {
  it('unary: request metadata in; initial metadata (-bin too) before the reply; trailing metadata (-bin too) after', async () => {
    const metadata = new Metadata();
    metadata.set('x-user', 'ann');
    metadata.set('x-token-bin', Buffer.from([1, 2, 3, 254]));
    const result = await new Promise<{ reply?: Record<string, unknown>; headers?: Metadata; trailers?: Metadata }>((resolve) => {
      let reply: Record<string, unknown> | undefined;
      let headers: Metadata | undefined;
      const call = raw.Say({ text: 'hi', tags: ['a', 'b'] }, metadata, (error, r) => {
        expect(error).toBeNull();
        reply = r;
      });
      call.on('metadata', (m) => {
        headers = m;
      });
      call.on('status', (s) => resolve({ reply, headers, trailers: s.metadata }));
    });
    expect(result.headers?.get('x-greeting')).toEqual(['hello']);
    expect(result.headers?.get('x-echo-bin')).toEqual([Buffer.from([1, 2, 3, 254])]);
    expect(result.trailers?.get('x-done')).toEqual(['yes']);
    expect(result.trailers?.get('x-checksum-bin')).toEqual([Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
    expect(result.reply).toMatchObject({
      text: 'ann: hi',
      sequence: '9007199254740993',
      mood: 'HAPPY',
      counts: { tags: 2 },
      extra: 'note',
      note: 'a note',
      maybe: 0,
      at: { seconds: '1700000000', nanos: 5 },
    });
  });

  it('ends a call with the exact status code and message (whitespace and non-ASCII unchanged), trailers included', async () => {
    const error = await new Promise<ServiceError>((resolve) => {
      raw.Say({ text: 'fail', tags: [] }, new Metadata(), (e) => resolve(e as ServiceError));
    });
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toBe(STATUS_MESSAGE);
    expect(error.metadata.get('x-done')).toEqual(['yes']);
    expect(error.metadata.get('x-checksum-bin')).toEqual([Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
  });

  it('server streaming, with initial metadata first and trailers last; an empty stream too', async () => {
    const full = await collect(raw.Listen({ room: 'lobby', count: 3 }));
    expect(full.headers?.get('x-room')).toEqual(['lobby']);
    expect(full.messages.map((m) => m.text)).toEqual(['lobby 0', 'lobby 1', 'lobby 2']);
    expect(full.status.code).toBe(status.OK);
    expect(full.status.metadata.get('x-sent-bin')).toEqual([Buffer.from([3])]);
    const empty = await collect(raw.Listen({ room: 'void', count: 0 }));
    expect(empty.messages).toEqual([]);
    expect(empty.status.code).toBe(status.OK);
    expect(empty.status.metadata.get('x-sent-bin')).toEqual([Buffer.from([0])]);
  });

  it('client streaming, including an empty stream', async () => {
    const upload = (chunks: Buffer[]) =>
      new Promise<{ reply?: Record<string, unknown>; trailers?: Metadata }>((resolve) => {
        let reply: Record<string, unknown> | undefined;
        const call = raw.Upload(new Metadata(), (error, r) => {
          expect(error).toBeNull();
          reply = r;
        });
        call.on('status', (s) => resolve({ reply, trailers: s.metadata }));
        for (const data of chunks) call.write({ data });
        call.end();
      });
    const some = await upload([Buffer.alloc(10), Buffer.alloc(5)]);
    expect(some.reply).toEqual({ bytes: '15', chunks: 2 });
    expect(some.trailers?.get('x-chunks')).toEqual(['2']);
    const none = await upload([]);
    expect(none.reply).toEqual({ bytes: '0', chunks: 0 });
    expect(none.trailers?.get('x-chunks')).toEqual(['0']);
  });

  it('bidi streaming, empty in both directions, and an error mid-stream with its exact status and trailers', async () => {
    const converse = (texts: string[]) => {
      const call = raw.Converse();
      const result = collect(call);
      for (const text of texts) call.write({ text, tags: [] });
      call.end();
      return result;
    };
    const echo = await converse(['a', 'b']);
    expect(echo.headers?.get('x-mode')).toEqual(['echo']);
    expect(echo.messages.map((m) => [m.text, m.sequence, m.mood, m.extra, m.blob])).toEqual([
      ['A', '1', 'SAD', 'blob', Buffer.from([1])],
      ['B', '2', 'SAD', 'blob', Buffer.from([2])],
    ]);
    expect(echo.status.code).toBe(status.OK);
    const empty = await converse([]);
    expect(empty.messages).toEqual([]);
    expect(empty.status.code).toBe(status.OK);
    const failed = await converse(['x', 'boom', 'never']);
    expect(failed.messages.map((m) => m.text)).toEqual(['X']);
    expect(failed.status.code).toBe(status.ABORTED);
    expect(failed.status.details).toBe(STATUS_MESSAGE);
    expect(failed.status.metadata.get('x-failed-at')).toEqual(['1']);
  });

  it('a method of the .proto the service does not implement answers UNIMPLEMENTED; so does an unknown one', async () => {
    const error = await new Promise<ServiceError>((resolve) => raw.Unused({}, (e) => resolve(e as ServiceError)));
    expect(error.code).toBe(status.UNIMPLEMENTED);
    const unknown = await new Promise<ServiceError>((resolve) =>
      raw.makeUnaryRequest(
        '/acme.chat.v1.Chat/Nope',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e) => resolve(e as ServiceError),
      ),
    );
    expect(unknown.code).toBe(status.UNIMPLEMENTED);
  });

  it('applies the zod schema to messages decoded by the .proto', async () => {
    const error = await new Promise<ServiceError>((resolve) => {
      raw.Say({ text: 'x'.repeat(101), tags: [] }, new Metadata(), (e) => resolve(e as ServiceError));
    });
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^Invalid input: text: Too big/);
  });
});

describe('bring your own .proto — a Wharf client, through the same .proto', () => {
  it('unary, with metadata and a typed error', async () => {
    const client = app.client(chat);
    const reply = await client.say(
      { text: 'hey', tags: [] },
      { address: server.address, metadata: { 'x-user': 'bob', 'x-token-bin': Buffer.from('t').toString('base64') } },
    );
    expect(reply).toEqual({
      text: 'bob: hey',
      sequence: '9007199254740993',
      mood: 'HAPPY',
      counts: { tags: 0 },
      extra: 'note',
      note: 'a note',
      maybe: 0,
      at: { seconds: '1700000000', nanos: 5 },
    });
    const error = await client.say({ text: 'fail', tags: [] }, { address: server.address }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FAILED_PRECONDITION', message: STATUS_MESSAGE, details: { why: 'asked to' } });
  });

  it('server, client and bidi streams, including empty ones', async () => {
    const client = app.client(chat);
    const heard: string[] = [];
    for await (const { text } of client.listen({ room: 'r', count: 2 }, { address: server.address })) heard.push(text);
    expect(heard).toEqual(['r 0', 'r 1']);
    await expect(client.upload([{ data: Buffer.alloc(3) }], { address: server.address })).resolves.toEqual({
      bytes: '3',
      chunks: 1,
    });
    await expect(client.upload([], { address: server.address })).resolves.toEqual({ bytes: '0', chunks: 0 });
    const replies: string[] = [];
    for await (const r of client.converse([{ text: 'q', tags: [] }], { address: server.address })) replies.push(r.text);
    expect(replies).toEqual(['Q']);
    const none: unknown[] = [];
    for await (const r of client.converse([], { address: server.address })) none.push(r);
    expect(none).toEqual([]);
    const failing = (async () => {
      for await (const _ of client.converse([{ text: 'boom', tags: [] }], { address: server.address })) {
        // drain
      }
    })();
    await expect(failing).rejects.toMatchObject({ code: 'ABORTED', message: STATUS_MESSAGE });
  });
});

describe('bring your own .proto — start-up checks', () => {
  async function startWith(methods: Parameters<typeof defineContract>[0]['methods'], proto: ProtoBinding = binding) {
    const contract = defineContract({ name: 'bad', version: 1, methods: withProto(proto, methods) });
    const handlers = Object.fromEntries(Object.keys(methods).map((k) => [k, async () => ({})]));
    const started = createApp({
      services: [implement(contract, handlers as never)],
      transports: [grpcTransport()],
      logger,
      shutdown: { signals: false },
    });
    const error = await started.start().catch((e: unknown) => e);
    return error as DeclarationError;
  }

  it('names a method the .proto service lacks, and a stream kind that differs', async () => {
    const error = await startWith({
      shout: { input: z.object({}), output: z.object({}) },
      listen: { input: z.object({}), output: z.object({}) },
    });
    expect(error).toBeInstanceOf(DeclarationError);
    expect(error.problems).toEqual([
      'grpc bad.shout: acme.chat.v1.Chat has no rpc "shout"; its rpcs are Say, Listen, Upload, Converse, Unused',
      "grpc bad.listen: rpc acme.chat.v1.Chat.Listen is server, but the method declares stream 'unary'; declare stream: 'server'",
    ]);
  });

  it('names a missing file and an unknown service', async () => {
    const missing = await startWith({ say: { input: z.object({}), output: z.object({}) } }, { ...binding, files: 'nope.proto' });
    expect(missing.problems[0]).toMatch(/^implement\(bad\)\.say: cannot load nope\.proto \(include dirs: .*\): /);
    const unknown = await startWith({ say: { input: z.object({}), output: z.object({}) } }, { ...binding, service: 'Chat' });
    expect(unknown.problems[0]).toMatch(
      /has no service "Chat"; services found: acme\.chat\.v1\.Chat \(use the fully-qualified name\)$/,
    );
  });
});
