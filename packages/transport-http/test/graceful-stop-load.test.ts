// Graceful stop under load, as in production: a server in its own process, 300 requests a second
// from a keep-alive client (undici, Node's fetch underneath), SIGTERM mid-run, some requests
// outliving the drain deadline. Every request must be served, answered 503 (Connection: close),
// or refused at connect (the listener is closed: nothing was sent) — none reset.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadUntilExit } from '@wharf/real-parts';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';

const SERVER = fileURLToPath(new URL('./fixtures/drain-server.mjs', import.meta.url));
const RATE = 300; // requests per second
const BEFORE_SIGTERM_MS = 2_000;
const DRAIN_MS = 6_000; // the drain deadline: longer than the keep-alive time (+1 s), as by default (10 s > 6 s)
const KEEP_ALIVE_MS = 3_000;
const SLOW_EVERY = 30; // one request in 30 outlives the drain deadline

type Outcome = 'served' | 'unavailable' | 'refused' | 'reset' | 'other';

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, DRAIN_MS: String(DRAIN_MS), KEEP_ALIVE_MS: String(KEEP_ALIVE_MS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, port: (JSON.parse(line.toString()) as { port: number }).port };
}

function classify(error: unknown): Outcome {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'reset';
  return 'other';
}

describe('graceful stop under load (HTTP, a real process, SIGTERM mid-run)', () => {
  it('resets no connection: every request is served, answered 503, or refused before it is sent', async () => {
    const { child, port } = await startServer();
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const counts: Record<Outcome, number> = { served: 0, unavailable: 0, refused: 0, reset: 0, other: 0 };
    const slow: Record<Outcome, number> = { served: 0, unavailable: 0, refused: 0, reset: 0, other: 0 };
    const others: string[] = [];
    const inFlight = new Set<Promise<void>>();
    const send = (n: number) => {
      const path = n % SLOW_EVERY === 0 ? '/v1/slow' : '/v1/quick';
      const tally = path === '/v1/slow' ? slow : counts;
      const request: Promise<void> = pool
        .request({ path, method: 'GET' })
        .then(
          async ({ statusCode, headers, body }) => {
            await body.text();
            if (statusCode === 200) tally.served++;
            else if (statusCode === 503 && headers.connection === 'close') tally.unavailable++;
            else {
              tally.other++;
              others.push(`status ${statusCode} connection=${headers.connection}`);
            }
          },
          (error: unknown) => {
            const outcome = classify(error);
            tally[outcome]++;
            if (outcome !== 'refused') others.push(`${(error as Error).name}: ${(error as Error).message}`);
          },
        )
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    };
    // 300 requests a second, in ticks of 10 ms, until the server process has exited.
    const { sent, exited, exitAfterSigtermMs } = await loadUntilExit({
      child,
      rate: RATE,
      sigtermAfterMs: BEFORE_SIGTERM_MS,
      maxMs: BEFORE_SIGTERM_MS + DRAIN_MS + 10_000,
      send,
    });
    await Promise.all(inFlight);
    await pool.close();
    const all = Object.fromEntries(Object.keys(counts).map((k) => [k, counts[k as Outcome] + slow[k as Outcome]]));
    console.log(
      `HTTP graceful stop: ${sent} requests at ${RATE}/s, SIGTERM after ${BEFORE_SIGTERM_MS} ms, exit ${exitAfterSigtermMs} ms later (drain deadline ${DRAIN_MS} ms)\n` +
        `  all:  ${JSON.stringify(all)}\n  slow (outliving the drain deadline): ${JSON.stringify(slow)}` +
        (others.length > 0 ? `\n  not clean: ${[...new Set(others)].join('; ')}` : ''),
    );
    expect(exited).toBe(true);
    expect(all.reset).toBe(0);
    expect(all.other).toBe(0);
    // Sanity: the run covered what it claims to.
    expect(counts.served).toBeGreaterThan(100);
    expect(slow.unavailable).toBeGreaterThan(0); // past the drain deadline: UNAVAILABLE, not a reset
    // Quick requests that reach a kept-alive connection while it drains are answered 503 too, but
    // here they are a matter of timing (0 or 1 a run: the pool opens new connections, which are
    // refused); lifecycle.test.ts shows that answer deterministically.
  }, 60_000);
});
