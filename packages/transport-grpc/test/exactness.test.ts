// What a client we did not write sends and receives exactly: any numeric status and its message
// from a bring-your-own-.proto handler, and metadata values as sent (bytes for -bin keys, every
// value of a repeated key), beside the canonical model Wharf clients keep using.
import { fileURLToPath } from 'node:url';
import {
  type Client,
  type ClientUnaryCall,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { defineContract, implement, WharfError } from '@wharf/core';
import { GrpcStatusError, grpcMetadata, grpcStatus, type ProtoBinding, withProto } from '@wharf/transport-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { caller, serve } from './helpers.js';

const protoDir = fileURLToPath(new URL('./fixtures/proto', import.meta.url));
const binding: ProtoBinding = { files: 'acme/chat/v1/chat.proto', includeDirs: [protoDir], service: 'acme.chat.v1.Chat' };

const chat = defineContract({
  name: 'chat',
  version: 1,
  methods: withProto(binding, {
    say: {
      input: z.object({ text: z.string(), tags: z.array(z.string()) }),
      output: z.object({ text: z.string(), sequence: z.string(), mood: z.string().optional() }),
    },
  }),
});

const MESSAGE = '  Quota: 100% used — ünïcødé ✓\n  retry tomorrow ';

const service = implement(chat, {
  async say({ text, tags }, ctx) {
    if (text === 'status') throw grpcStatus(Number(tags[0]), MESSAGE, { quota: 'daily' });
    // An enum value taken from the request as is: only the enum's own names may be sent.
    if (text === 'mood') return { text, sequence: '1', mood: tags[0] };
    if (text === 'proxy') {
      // A Wharf client calling on gets the same raw status, and can pass it on unchanged.
      const upstream = tags[1] as string;
      await ctx.client(chat).say({ text: 'status', tags: [tags[0] as string] }, { address: upstream });
      return { text: 'unreachable', sequence: '0' };
    }
    const all = grpcMetadata(ctx);
    return {
      text: JSON.stringify({
        ids: all?.text('x-ids'),
        blobs: all?.binary('x-raw-bin').map((b) => Buffer.from(b).toString('hex')),
        keys: all?.keys().filter((k) => k.startsWith('x-')),
        flat: { ids: ctx.metadata['x-ids'], blobs: ctx.metadata['x-raw-bin'] },
        missing: all?.text('x-none'),
      }),
      sequence: '1',
    };
  },
});

type Callback = (error: ServiceError | null, reply?: Record<string, unknown>) => void;
interface ChatClient extends Client {
  Say(request: object, metadata: Metadata, callback: Callback): ClientUnaryCall;
}
const Chat = (
  loadPackageDefinition(
    loadSync('acme/chat/v1/chat.proto', { includeDirs: [protoDir], keepCase: true, enums: String }),
  ) as unknown as {
    acme: { chat: { v1: { Chat: ServiceClientConstructor } } };
  }
).acme.chat.v1.Chat;

let server: Awaited<ReturnType<typeof serve>>;
let raw: ChatClient;

beforeAll(async () => {
  server = await serve([service]);
  raw = new Chat(server.target, credentials.createInsecure()) as unknown as ChatClient;
});
afterAll(async () => {
  raw.close();
  await server.app.stop();
});

function say(
  text: string,
  tags: string[],
  metadata = new Metadata(),
): Promise<{ error?: ServiceError; reply?: Record<string, unknown> }> {
  return new Promise((resolve) => raw.Say({ text, tags }, metadata, (error, reply) => resolve(error ? { error } : { reply })));
}

describe('gRPC status passthrough', () => {
  it('sends any numeric status and its message verbatim to a plain grpc-js client', async () => {
    for (const code of [3, 17, 42, 1_000]) {
      const { error } = await say('status', [String(code)]);
      expect(error?.code).toBe(code);
      expect(error?.details).toBe(MESSAGE);
    }
  });

  it('keeps the canonical model: a known number is its code, any other is UNKNOWN with the number kept', () => {
    const known = grpcStatus(5, 'gone');
    expect(known).toBeInstanceOf(WharfError);
    expect(known.code).toBe('NOT_FOUND');
    expect(known.grpcStatus).toBe(5);
    const custom = grpcStatus(42, 'custom', { quota: 'daily' });
    expect(WharfError.is(custom)).toBe(true);
    expect(custom.code).toBe('UNKNOWN');
    expect(custom.grpcStatus).toBe(42);
    expect(custom.details).toEqual({ quota: 'daily' });
    expect(() => grpcStatus(0, 'OK is not an error')).toThrow(RangeError);
    expect(() => grpcStatus(1.5, 'not an integer')).toThrow(RangeError);
  });

  it('a Wharf client receives the raw status too, and passes it on unchanged when it rethrows', async () => {
    const app = await caller();
    const error = await app
      .client(chat)
      .say({ text: 'status', tags: ['42'] }, { address: server.address })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrpcStatusError);
    expect(error).toMatchObject({ code: 'UNKNOWN', grpcStatus: 42, message: MESSAGE, details: { quota: 'daily' } });
    const { error: proxied } = await say('proxy', ['77', server.address]);
    expect(proxied?.code).toBe(77);
    expect(proxied?.details).toBe(MESSAGE);
    await app.stop();
  });
});

describe('enum values from a handler', () => {
  it('sends an enum’s own names only: a name that is an index or an inherited property is a logged INTERNAL, not a guess', async () => {
    const ok = await say('mood', ['SAD']);
    expect(ok.reply).toMatchObject({ mood: 'SAD' });
    for (const mood of ['2', 'toString', '__proto__']) {
      const { error } = await say('mood', [mood]);
      // Before: '2' was looked up in the enum's values, whose prototype maps numbers to names, and
      // went out as whatever protobufjs made of the name "SAD".
      expect(error?.code, mood).toBe(13);
    }
  });
});

describe('gRPC metadata as sent', () => {
  it('gives every value of a repeated key, and -bin values as bytes, beside the flat ctx.metadata', async () => {
    const metadata = new Metadata();
    metadata.add('x-ids', 'a,b');
    metadata.add('x-ids', 'c');
    metadata.add('x-raw-bin', Buffer.from([0, 1, 0x2c]));
    metadata.add('x-raw-bin', Buffer.from([0xff]));
    const { reply, error } = await say('meta', [], metadata);
    expect(error).toBeUndefined();
    const seen = JSON.parse(String(reply?.text));
    expect(seen.ids).toEqual(['a,b', 'c']);
    expect(seen.blobs).toEqual(['00012c', 'ff']);
    expect(seen.keys).toEqual(expect.arrayContaining(['x-ids', 'x-raw-bin']));
    expect(seen.missing).toEqual([]);
    // The common case is unchanged: one string per key (values joined; bytes as base64).
    expect(seen.flat).toEqual({ ids: 'a,b, c', blobs: 'AAEs,/w==' });
  });
});
