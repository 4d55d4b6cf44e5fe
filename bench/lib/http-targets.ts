// The servers the HTTP benchmark compares. Each does the same work for `POST /v1/greetings`:
// read a JSON body (1 MiB limit), parse it, validate it with the greeter contract's zod schema,
// look the greeting up, and answer JSON (or a 400 problem).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type InboundRequest, implement, memoryTransport, type Transport, WharfError } from '@wharf/core';
import { httpStatusOf, type TransportHost } from '@wharf/core/transport';
import { greeter } from '@wharf/example-greeter';
import { httpTransport, problemOf } from '@wharf/transport-http';
import Fastify from 'fastify';
import { pino } from 'pino';

/** A started server: its port and how to stop it. */
export interface Target {
  readonly port: number;
  close(): Promise<void>;
}

/** The names `startTarget` knows. */
export const TARGETS = ['node', 'fastify', 'wharf', 'wharf-on-fastify', 'fastify+log', 'wharf+log'] as const;
export type TargetName = (typeof TARGETS)[number];

const GREETINGS: Readonly<Record<string, string>> = { en: 'Hello', fr: 'Bonjour', de: 'Hallo', es: 'Hola', ja: 'Konnichiwa' };
const schema = greeter.methods.greet.input;

function greet(name: string, language: string): { message: string } {
  const greeting = GREETINGS[language];
  if (greeting === undefined) throw new WharfError('NOT_FOUND', `No greeting for language "${language}"`);
  return { message: `${greeting}, ${name}!` };
}

/** The greeter contract implemented without the `greeted` event, so every server does the same work. */
const service = implement(greeter, {
  greet: ({ name, language }) => greet(name, language),
  language: ({ code }) => ({ code, name: code, greeting: GREETINGS[code] ?? '' }),
  async *countdown({ from }) {
    for (let n = from; n >= 0; n--) yield { n };
  },
  stats: () => ({ greeted: 0 }),
});

function problem(status: number, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title: 'Bad Request', status, detail });
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new Error('too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function startNode(): Promise<Target> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/greetings') {
      res.statusCode = 404;
      res.end();
      return;
    }
    readBody(req, 1024 * 1024).then(
      (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          res.writeHead(400, { 'content-type': 'application/problem+json' }).end(problem(400, 'malformed JSON'));
          return;
        }
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          res.writeHead(400, { 'content-type': 'application/problem+json' }).end(problem(400, parsed.error.message));
          return;
        }
        const out = JSON.stringify(greet(parsed.data.name, parsed.data.language));
        res
          .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) })
          .end(out);
      },
      () => res.writeHead(413).end(),
    );
  });
  const port = await listen(server);
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function startFastify(logFile?: string): Promise<Target> {
  const app = Fastify({
    logger: logFile === undefined ? false : { level: 'info', stream: pino.destination({ dest: logFile, sync: false }) },
  });
  app.post('/v1/greetings', async (request, reply) => {
    const parsed = schema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).type('application/problem+json').send(problem(400, parsed.error.message));
    return greet(parsed.data.name, parsed.data.language);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

async function startWharf(logFile?: string): Promise<Target> {
  const transport = httpTransport({ port: 0, openapi: false, health: false });
  const app = createApp({
    name: 'bench',
    services: [service],
    transports: [transport],
    shutdown: { signals: false },
    ...(logFile === undefined
      ? {}
      : {
          requestLog: { level: 'info' as const },
          logger: pino({ level: 'info' }, pino.destination({ dest: logFile, sync: false })),
        }),
  });
  await app.start();
  return { port: transport.port as number, close: () => app.stop() };
}

/**
 * The engine the transport did not choose: Wharf's dispatch behind Fastify's router and body
 * parser, doing what the transport does per request (metadata, deadline, cancellation, problems).
 */
function fastifyEngine(): Transport & { port: number } {
  const app = Fastify({ logger: false });
  const engine = {
    name: 'http',
    port: 0,
    async listen(host: TransportHost) {
      for (const endpoint of host.rpcs) {
        if (endpoint.name !== 'greet') continue;
        app.post('/v1/greetings', async (request, reply) => {
          const metadata: Record<string, string> = {};
          for (const [key, value] of Object.entries(request.headers)) if (typeof value === 'string') metadata[key] = value;
          const controller = new AbortController();
          reply.raw.once('close', () => {
            if (!reply.raw.writableFinished) controller.abort();
          });
          const inbound: InboundRequest = {
            transport: 'http',
            metadata,
            deadline: Date.now() + 30_000,
            signal: controller.signal,
          };
          try {
            return await host.dispatch(endpoint, request.body, inbound);
          } catch (error) {
            const wharf = error as WharfError;
            const status = httpStatusOf(wharf.code);
            return reply
              .code(status)
              .type('application/problem+json')
              .send(JSON.stringify(problemOf(wharf, status)));
          }
        });
      }
      await app.listen({ port: 0, host: '127.0.0.1' });
      engine.port = (app.server.address() as AddressInfo).port;
      return [`http://127.0.0.1:${engine.port}`];
    },
    async close() {
      await app.close();
    },
  };
  return engine;
}

async function startWharfOnFastify(): Promise<Target> {
  const engine = fastifyEngine();
  const app = createApp({
    name: 'bench',
    services: [service],
    transports: [engine, memoryTransport()],
    shutdown: { signals: false },
  });
  await app.start();
  return { port: engine.port, close: () => app.stop() };
}

/** Starts one of the compared servers on a free port. */
export function startTarget(name: TargetName, logFile: string): Promise<Target> {
  switch (name) {
    case 'node':
      return startNode();
    case 'fastify':
      return startFastify();
    case 'fastify+log':
      return startFastify(logFile);
    case 'wharf':
      return startWharf();
    case 'wharf+log':
      return startWharf(logFile);
    case 'wharf-on-fastify':
      return startWharfOnFastify();
  }
}
