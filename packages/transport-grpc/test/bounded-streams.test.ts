// 10 connections × 1 000 calls whose request message never completes (a length prefix promising
// 100 bytes, 3 sent, no end, no grpc-timeout), against a server in its own process: its memory
// stays bounded (at most maxConcurrentStreams calls open per connection) and every call is ended
// with DEADLINE_EXCEEDED requestTimeoutMs after it opened.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type ClientHttp2Session, connect } from 'node:http2';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compileProto } from '@wharf/transport-grpc';
import { describe, expect, it } from 'vitest';
import { load } from './fixtures/load-contract.mjs';

const SERVER = fileURLToPath(new URL('./fixtures/load-server.mjs', import.meta.url));
const CONNECTIONS = 10;
const STREAMS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const PATH = compileProto(load)?.methods.find((w) => w.ref.name === 'echo')?.path as string;

interface Server {
  readonly child: ChildProcess;
  readonly target: string;
  /** Memory samples every 500 ms: resident set size, and heap in use after a full collection (bytes). */
  readonly samples: { at: number; rss: number; heapUsed: number }[];
}

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', SERVER], {
    env: { ...process.env, REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), REPORT_MS: '500' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const samples: { at: number; rss: number; heapUsed: number }[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const address = new Promise<string>((resolve) =>
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { address?: string; rss?: number; heapUsed?: number };
      if (message.address !== undefined) resolve(message.address);
      if (message.rss !== undefined) samples.push({ at: Date.now(), rss: message.rss, heapUsed: message.heapUsed ?? 0 });
    }),
  );
  return { child, target: (await address).slice('grpc://'.length), samples };
}

/**
 * Opens `count` calls on one connection, each sending 3 of the 100 bytes its length prefix
 * promises and never ending. At most `limit` are open at once (what the server's
 * maxConcurrentStreams allows; a client would queue the rest anyway), so that each call's open time
 * is known: the next opens as soon as one ends.
 */
function attack(session: ClientHttp2Session, count: number, limit: number) {
  const ended: { status: string; ms: number }[] = [];
  let opened = 0;
  return {
    ended,
    done: new Promise<void>((resolve) => {
      const open = () => {
        if (opened === count) {
          if (ended.length === count) resolve();
          return;
        }
        opened++;
        const openedAt = Date.now();
        const stream = session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers' });
        stream.on('error', () => {});
        stream.write(Buffer.from([0, 0, 0, 0, 100, 1, 2, 3]));
        const onHeaders = (headers: Record<string, unknown>) => {
          if (headers['grpc-status'] === undefined) return;
          ended.push({ status: String(headers['grpc-status']), ms: Date.now() - openedAt });
          stream.destroy();
          open();
        };
        stream.on('response', onHeaders);
        stream.on('trailers', onHeaders);
      };
      for (let i = 0; i < limit; i++) open();
    }),
  };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

describe('never-completing gRPC requests (a server in its own process)', () => {
  it(`${CONNECTIONS} × ${STREAMS} calls: RSS stays bounded and every call ends DEADLINE_EXCEEDED after requestTimeoutMs`, async () => {
    const server = await startServer();
    while (server.samples.length < 3) await new Promise((resolve) => setTimeout(resolve, 100));
    const before = server.samples.slice(-3);
    const baseline = { rss: Math.max(...before.map((s) => s.rss)), heap: Math.max(...before.map((s) => s.heapUsed)) };
    const sessions = Array.from({ length: CONNECTIONS }, () => {
      const session = connect(`http://${server.target}`);
      session.on('error', () => {});
      return session;
    });
    const limits = await Promise.all(
      sessions.map((s) => once(s, 'remoteSettings').then(([settings]) => settings.maxConcurrentStreams)),
    );
    const started = Date.now();
    const attacks = sessions.map((session, i) => attack(session, STREAMS, limits[i] as number));
    const all = Promise.all(attacks.map((a) => a.done));
    const finished = await Promise.race([all.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 60_000))]);
    const elapsed = Date.now() - started;
    for (const session of sessions) session.destroy();
    const during = server.samples.filter((s) => s.at >= started && s.at <= started + elapsed);
    const peak = { rss: Math.max(...during.map((s) => s.rss)), heap: Math.max(...during.map((s) => s.heapUsed)) };
    const ended = attacks.flatMap((a) => a.ended);
    const byStatus = ended.reduce<Record<string, number>>((acc, e) => {
      acc[e.status] = (acc[e.status] ?? 0) + 1;
      return acc;
    }, {});
    const times = ended.map((e) => e.ms).sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? Number.NaN;
    console.log(
      `gRPC never-completing requests: ${CONNECTIONS} × ${STREAMS}, maxConcurrentStreams ${limits[0]}, requestTimeoutMs ${REQUEST_TIMEOUT_MS}\n` +
        `  all ended: ${finished} in ${elapsed} ms; statuses ${JSON.stringify(byStatus)}\n` +
        `  time from open to status: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${times.at(-1)} ms\n` +
        `  server RSS: ${mb(baseline.rss)} MB before, peak ${mb(peak.rss)} MB (+${mb(peak.rss - baseline.rss)} MB); ` +
        `heap retained (after a full GC): ${mb(baseline.heap)} MB before, peak ${mb(peak.heap)} MB (+${mb(peak.heap - baseline.heap)} MB); ${during.length} samples`,
    );
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    expect(limits.every((l) => l === 100)).toBe(true);
    expect(finished).toBe(true);
    expect(byStatus).toEqual({ '4': CONNECTIONS * STREAMS });
    // Ended at the stated timeout: the typical call within a second of it; the last within a few
    // seconds more, as one CI run's whole batch of a hundred calls was held 3.2 s by a loaded machine.
    expect(pct(50)).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(pct(50)).toBeLessThan(REQUEST_TIMEOUT_MS + 1_000);
    expect(times.at(-1)).toBeLessThan(REQUEST_TIMEOUT_MS + 8_000);
    // What the server holds is bounded by maxConcurrentStreams, not by what the attacker opens:
    // 1 000 open calls retain a few MB (unbounded, 10 000 took RSS from 80 to 164 MB and growing).
    expect(peak.heap - baseline.heap).toBeLessThan(20 * 1024 * 1024);
    expect(peak.rss - baseline.rss).toBeLessThan(80 * 1024 * 1024);
  }, 120_000);
});
