// wharf-proto import, round trip: an existing .proto → a zod contract (typed handlers, checked by
// tsc) → served by Wharf → called by a plain grpc-js client that loaded the original .proto.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(REPO, 'packages/transport-grpc/dist/cli.js');
const PROTO_DIR = join(REPO, 'packages/transport-grpc/test/fixtures/proto');

// A user's handlers, typed only by the generated module.
const SERVER = `import { createApp, implement } from '@wharf/core';
import { grpcTransport } from '@wharf/transport-grpc';
import { shop } from './shop.contract.js';

const service = implement(shop, {
  async placeOrder(order) {
    // @ts-expect-error qty is a number: the generated types are not \`any\`
    const wrong: string = order.items[0]?.qty ?? 0;
    void wrong;
    const total = order.items.reduce((sum, item) => sum + item.qty * Number(item.price_cents), 0);
    const gifts = Object.values(order.gifts).length;
    return {
      order_id: order.id,
      status: 'PLACED',
      total_cents: total,
      eta: { seconds: 3600, nanos: 0 },
      tax_rate: 0.2,
      gift: gifts > 0,
    };
  },
  async *watchOrders() {
    yield { id: 'o-1', channel: 'WEB', card_token: 'tok', payment: 'card_token' as const, category: { name: 'books', children: [{ name: 'poetry', children: [] }] } };
    yield { id: 'o-2', channel: 'STORE', voucher: new Uint8Array([1, 2, 3]), note: 'gift wrap', coupon: { value: 'SAVE10' } };
  },
  async uploadItems(items) {
    let count = 0;
    let total = 0;
    for await (const item of items) {
      count += 1;
      total += item.qty * Number(item.price_cents);
    }
    return { order_id: \`upload-\${count}\`, status: 'SHIPPED', total_cents: BigInt(total) };
  },
  async *chat(messages) {
    for await (const message of messages) yield { text: message.text.toUpperCase() };
  },
});

const app = createApp({ name: 'shop', services: [service], transports: [grpcTransport({ port: 0 })], logger: { level: 'silent' }, shutdown: { signals: false } });
await app.start();
console.log(app.addresses.find((a) => a.startsWith('grpc:')));
process.stdin.resume();
process.stdin.once('end', () => void app.stop().then(() => process.exit(0)));
`;

type Callback = (error: grpc.ServiceError | null, value: unknown) => void;
interface ShopClient {
  close(): void;
  PlaceOrder(input: unknown, callback: Callback): void;
  WatchOrders(input: unknown): grpc.ClientReadableStream<unknown>;
  UploadItems(callback: Callback): grpc.ClientWritableStream<unknown>;
  Chat(): grpc.ClientDuplexStream<{ text: string }, { text: string }>;
}

describe('wharf-proto import', () => {
  const work = mkdtempSync(join(tmpdir(), 'wharf-proto-import-'));
  let server: ReturnType<typeof spawn> | undefined;
  let address = '';
  let generated = '';

  beforeAll(async () => {
    symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'));
    writeFileSync(join(work, 'package.json'), '{ "type": "module" }');
    mkdirSync(join(work, 'src'));
    const { stdout } = await run(process.execPath, [
      CLI,
      'import',
      'acme/shop/v1/shop.proto',
      '-I',
      PROTO_DIR,
      '--out',
      join(work, 'src/shop.contract.ts'),
    ]);
    console.log(stdout.trim());
    generated = readFileSync(join(work, 'src/shop.contract.ts'), 'utf8');
    writeFileSync(join(work, 'src/server.ts'), SERVER);
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2023',
          module: 'nodenext',
          strict: true,
          types: ['node'],
          skipLibCheck: true,
          rootDir: 'src',
          outDir: 'dist',
        },
        include: ['src'],
      }),
    );
  }, 60_000);

  afterAll(() => {
    server?.stdin?.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('writes the messages, enums, oneofs, maps, well-known types and methods with their stream kinds', () => {
    expect(generated).toContain("export const Status = z.union([z.enum(['STATUS_UNSPECIFIED', 'PLACED', 'SHIPPED']), z.int()]);");
    expect(generated).toContain("payment: z.enum(['card_token', 'voucher']).optional(), // which member of oneof payment is set");
    expect(generated).toContain('gifts: z.record(z.string(), Order_Item).default({}), // map<string, Item> = 4');
    expect(generated).toContain("price_cents: Int64.default('0'), // int64 = 3");
    expect(generated).toContain('note: z.string().optional(), // string = 7');
    expect(generated).toContain('placed_at: Timestamp.optional(), // google.protobuf.Timestamp = 9');
    expect(generated).toContain('export const StringValue = z.object({');
    expect(generated).toContain('get children() {');
    expect(generated).toContain('placeOrder: { input: Order, output: Receipt }, // rpc PlaceOrder');
    expect(generated).toContain("watchOrders: { input: Empty, output: Order, stream: 'server' }, // rpc WatchOrders");
    expect(generated).toContain("uploadItems: { input: Order_Item, output: Receipt, stream: 'client' }, // rpc UploadItems");
    expect(generated).toContain("chat: { input: Message, output: Message, stream: 'bidi' }, // rpc Chat");
  });

  it('types the handlers: a user module implementing the contract compiles under strict tsc, and a wrong field does not', async () => {
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', work]).then(
      () => '',
      (e: { stdout: string }) => e.stdout,
    );
    expect(result).toBe('');
  }, 60_000);

  it('serves it so that a plain grpc-js client of the original .proto gets every call shape answered', async () => {
    server = spawn(process.execPath, [join(work, 'dist/server.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    address = await new Promise<string>((resolve, reject) => {
      server!.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      server!.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const definition = loader.loadSync('acme/shop/v1/shop.proto', {
      includeDirs: [PROTO_DIR],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const { Shop } = (
      grpc.loadPackageDefinition(definition) as never as { acme: { shop: { v1: { Shop: grpc.ServiceClientConstructor } } } }
    ).acme.shop.v1;
    const client = new Shop(new URL(address).host, grpc.credentials.createInsecure()) as unknown as ShopClient;
    try {
      const receipt = await new Promise((resolve, reject) =>
        client.PlaceOrder(
          {
            id: 'o-9',
            items: [
              { sku: 'a', qty: 2, price_cents: 150 },
              { sku: 'b', qty: 1, price_cents: 1000 },
            ],
            gifts: { ada: { sku: 'c', qty: 1 } },
          },
          (error: Error | null, value: unknown) => (error ? reject(error) : resolve(value)),
        ),
      );
      expect(receipt).toEqual({
        order_id: 'o-9',
        status: 'PLACED',
        total_cents: '1300',
        eta: { seconds: '3600', nanos: 0 },
        tax_rate: 0.2,
        gift: true,
      });

      const watched: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.WatchOrders({}) as grpc.ClientReadableStream<unknown>;
        stream.on('data', (order) => watched.push(order));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      expect(watched).toMatchObject([
        {
          id: 'o-1',
          channel: 'WEB',
          card_token: 'tok',
          payment: 'card_token',
          category: { name: 'books', children: [{ name: 'poetry' }] },
        },
        { id: 'o-2', channel: 'STORE', payment: 'voucher', note: 'gift wrap', coupon: { value: 'SAVE10' } },
      ]);
      expect([...(watched[1] as { voucher: Buffer }).voucher]).toEqual([1, 2, 3]);

      const uploaded = await new Promise((resolve, reject) => {
        const stream = client.UploadItems((error: Error | null, value: unknown) => (error ? reject(error) : resolve(value)));
        stream.write({ sku: 'x', qty: 3, price_cents: 100 });
        stream.write({ sku: 'y', qty: 1, price_cents: 50 });
        stream.end();
      });
      expect(uploaded).toMatchObject({ order_id: 'upload-2', status: 'SHIPPED', total_cents: '350' });

      const echoed: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.Chat() as grpc.ClientDuplexStream<{ text: string }, { text: string }>;
        stream.on('data', (m) => echoed.push(m.text));
        stream.on('end', resolve);
        stream.on('error', reject);
        stream.write({ text: 'hello' });
        stream.write({ text: 'wharf' });
        stream.end();
      });
      expect(echoed).toEqual(['HELLO', 'WHARF']);

      const unknownEnum = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.PlaceOrder(
          { id: 'o-bad', items: [{ sku: 'a', qty: 1, price_cents: 1 }], channel: 9 },
          (error: grpc.ServiceError | null) => resolve(error),
        ),
      );
      // channel 9 is not a value this .proto knows: still accepted (proto3 enums are open), so the call succeeds.
      expect(unknownEnum).toBeNull();
    } finally {
      client.close();
    }
  }, 60_000);
});
