// Graceful stop under load, as in production: a gRPC server in its own process, 300 calls a
// second from a plain grpc-js client, SIGTERM mid-run, some calls outliving the drain deadline.
// Every call must succeed, be answered UNAVAILABLE by the server, or be refused before it reached
// it (the listener is closed) — no call may end in a reset (CANCELLED, INTERNAL, "Connection dropped").
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { loadUntilExit } from '@wharf/real-parts';
import { compileProto } from '@wharf/transport-grpc';
import { describe, expect, it } from 'vitest';
import { load } from './fixtures/load-contract.mjs';

const SERVER = fileURLToPath(new URL('./fixtures/load-server.mjs', import.meta.url));
const RATE = 300;
const BEFORE_SIGTERM_MS = 2_000;
const DRAIN_MS = 4_000;
const SLOW_EVERY = 30;

type Outcome = 'served' | 'unavailable' | 'refused' | 'reset';

async function startServer(): Promise<{ child: ChildProcess; target: string }> {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, DRAIN_MS: String(DRAIN_MS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const { address } = JSON.parse(line.toString()) as { address: string };
  return { child, target: address.slice('grpc://'.length) };
}

/** How a call ended: the server's own answer, a refusal before the call reached it, or a cut connection. */
function classify(error: ServiceError | null): Outcome {
  if (error === null) return 'served';
  if (error.code === status.UNAVAILABLE && /shutting down|has stopped/.test(error.details)) return 'unavailable';
  if (error.code === status.UNAVAILABLE && /ECONNREFUSED|No connection established|REFUSED_STREAM/.test(error.details))
    return 'refused';
  return 'reset';
}

const wires = compileProto(load)?.methods ?? [];
const pathOf = (name: string) => wires.find((w) => w.ref.name === name)?.path as string;

describe('graceful stop under load (gRPC, a real process, SIGTERM mid-run)', () => {
  it('resets no call: every call succeeds, is answered UNAVAILABLE, or is refused before it is sent', async () => {
    const { child, target } = await startServer();
    const client = new Client(target, credentials.createInsecure());
    const counts: Record<Outcome, number> = { served: 0, unavailable: 0, refused: 0, reset: 0 };
    const slow: Record<Outcome, number> = { served: 0, unavailable: 0, refused: 0, reset: 0 };
    const resets: string[] = [];
    const inFlight = new Set<Promise<void>>();
    const send = (n: number) => {
      const path = n % SLOW_EVERY === 0 ? pathOf('slow') : pathOf('quick');
      const tally = path === pathOf('slow') ? slow : counts;
      const call = new Promise<void>((resolve) => {
        client.makeUnaryRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          new Metadata(),
          { deadline: Number.POSITIVE_INFINITY },
          (error) => {
            const outcome = classify(error);
            tally[outcome]++;
            if (outcome === 'reset') resets.push(`${error?.code} ${error?.details}`);
            resolve();
          },
        );
      }).finally(() => inFlight.delete(call));
      inFlight.add(call);
    };
    const { sent, exited, exitAfterSigtermMs } = await loadUntilExit({
      child,
      rate: RATE,
      sigtermAfterMs: BEFORE_SIGTERM_MS,
      maxMs: BEFORE_SIGTERM_MS + DRAIN_MS + 10_000,
      send,
    });
    await Promise.all(inFlight);
    client.close();
    const all = Object.fromEntries(Object.keys(counts).map((k) => [k, counts[k as Outcome] + slow[k as Outcome]]));
    console.log(
      `gRPC graceful stop: ${sent} calls at ${RATE}/s, SIGTERM after ${BEFORE_SIGTERM_MS} ms, exit ${exitAfterSigtermMs} ms later (drain deadline ${DRAIN_MS} ms)\n` +
        `  all:  ${JSON.stringify(all)}\n  slow (outliving the drain deadline): ${JSON.stringify(slow)}` +
        (resets.length > 0 ? `\n  resets: ${[...new Set(resets)].join('; ')}` : ''),
    );
    expect(exited).toBe(true);
    expect(all.reset).toBe(0);
    expect(counts.served).toBeGreaterThan(100);
    expect(slow.unavailable).toBeGreaterThan(0); // past the drain deadline: UNAVAILABLE, not a reset
  }, 60_000);
});
