import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { type Context, defineContract, On, Rpc, Service } from '@wharf/core';
import { asyncApiDocument } from '@wharf/transport-amqp';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/tools/cli.js', import.meta.url));
const GREETER = fileURLToPath(new URL('../../../examples/greeter/dist/index.js', import.meta.url));

interface Category {
  name: string;
  children?: Category[];
}
const category: z.ZodType<Category> = z.lazy(() => z.object({ name: z.string(), children: z.array(category).optional() }));

const catalog = defineContract({
  name: 'catalog',
  version: '2.1.0',
  description: 'Products and categories.',
  methods: {
    get: {
      description: 'One product by id.',
      input: z.object({ id: z.uuid() }),
      output: z.object({ id: z.uuid(), name: z.string(), price: z.number().min(0), tags: z.array(z.string()).default([]) }),
    },
    tree: { input: z.object({}), output: category },
    feed: { stream: 'server', input: z.object({}), output: z.object({ id: z.string() }) },
  },
  events: {
    price_changed: {
      description: 'A price moved.',
      payload: z.object({ id: z.uuid(), price: z.number(), at: z.iso.datetime() }),
    },
  },
});

@Service(catalog)
class Catalog {
  @Rpc(catalog.methods.get)
  get({ id }: { id: string }) {
    return { id, name: 'x', price: 1 };
  }

  @Rpc(catalog.methods.tree)
  tree() {
    return { name: 'root' };
  }

  @Rpc(catalog.methods.feed)
  async *feed() {
    yield { id: 'x' };
  }

  @On('stock.*', { input: z.object({ id: z.string(), left: z.int() }), description: 'Stock levels.' })
  onStock(_payload: unknown, _ctx: Context) {}
}

async function validate(document: unknown) {
  const parser = new Parser();
  const { document: parsed, diagnostics } = await parser.parse(JSON.stringify(document));
  // Severity 0 is an error; warnings (1) and hints are style advice.
  const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
  return { parsed, errors };
}

describe('AsyncAPI 3 document', () => {
  it('validates with @asyncapi/parser and describes RPCs, emitted events and handled events', async () => {
    const doc = asyncApiDocument({
      contract: catalog,
      service: new Catalog(),
      namespace: 'prod',
      url: 'amqp://u:secret@rabbit:5672/shop',
    });
    const { parsed, errors } = await validate(doc);
    expect(errors).toEqual([]);
    expect(parsed).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('secret');
    expect(parsed?.info().title()).toBe('catalog');
    expect(parsed?.info().version()).toBe('2.1.0');
    const operations =
      parsed
        ?.operations()
        .all()
        .map((o) => o.id()) ?? [];
    // The server stream is not on AMQP; the handler and the emitted event are, and where the
    // handler's failures go (retries, dead letters).
    expect(operations.sort()).toEqual([
      'deadLetter',
      'emit.catalog.price_changed',
      'get',
      'on.onStock',
      'recordService',
      'retry',
      'tree',
    ]);
    const channels = Object.fromEntries(
      parsed
        ?.channels()
        .all()
        .map((c) => [c.id(), c.address()]) ?? [],
    );
    expect(channels).toMatchObject({
      rpc: 'prod.catalog.v2.rpc',
      serviceRecord: 'prod.catalog.v2.rpc.methods',
      'event.catalog.price_changed': 'catalog.price_changed',
      'on.onStock': 'prod.catalog.on.onStock',
      deadLetters: 'prod.catalog.dlq',
      retries: 'prod.wharf.delay',
    });
    const get = parsed?.operations().get('get');
    expect(get?.reply()?.messages().all().length).toBe(2);
    const request = (doc as { components: { messages: Record<string, { payload: unknown }> } }).components.messages[
      'get.request'
    ];
    expect(request?.payload).toMatchObject({
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', format: 'uuid' } },
    });
    // Recursive schemas are moved to components and referenced from there.
    expect(JSON.stringify(doc)).toContain('#/components/schemas/tree.reply.');
  });

  it('is emitted by the command from a module, and validates', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'asyncapi', GREETER, '--namespace', 'staging']);
    const doc = JSON.parse(stdout);
    const { parsed, errors } = await validate(doc);
    expect(errors).toEqual([]);
    expect(parsed?.info().title()).toBe('greeter');
    expect(
      parsed
        ?.operations()
        .all()
        .map((o) => o.id())
        .sort(),
    ).toEqual(['deadLetter', 'emit.greeter.greeted', 'greet', 'language', 'on.onGreeted', 'recordService', 'retry', 'stats']);
    expect(parsed?.channels().get('rpc')?.address()).toBe('staging.greeter.v1.rpc');
  });
});
