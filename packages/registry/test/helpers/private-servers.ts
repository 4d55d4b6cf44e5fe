// Private etcd and Eureka servers for the tests that stop their registry: never the shared ones,
// which other test files use at the same time.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { portForLater } from '@wharf/real-parts';

async function waitFor(url: string, ok: (response: Response) => Promise<boolean>, what: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000), headers: { accept: 'application/json' } });
      if (await ok(response)) return;
    } catch {}
    await sleep(200);
  }
  throw new Error(`${what} did not come up at ${url} within ${ms} ms`);
}

/** A server the test can stop and start again on the same port and data. */
export interface PrivateServer {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  dispose(): Promise<void>;
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

/** A one-member etcd on free loopback ports with its own data directory. */
export async function privateEtcd(): Promise<PrivateServer> {
  // Below the ephemeral range: these servers are stopped and started again on the same ports, and
  // a port the system picked could meanwhile become the local end of an outgoing connection.
  const [client, peer] = [await portForLater(), await portForLater()];
  const data = mkdtempSync(join(tmpdir(), 'wharf-etcd-'));
  const url = `http://127.0.0.1:${client}`;
  let child: ChildProcess | undefined;
  const server: PrivateServer = {
    url,
    async start() {
      child = spawn(
        'etcd',
        [
          `--name=private`,
          `--data-dir=${data}`,
          `--listen-client-urls=${url}`,
          `--advertise-client-urls=${url}`,
          `--listen-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-cluster=private=http://127.0.0.1:${peer}`,
          '--log-level=error',
        ],
        { stdio: 'ignore' },
      );
      await waitFor(
        `${url}/health`,
        async (r) => r.ok && ((await r.json()) as { health?: string }).health === 'true',
        'etcd',
        20_000,
      );
    },
    stop: () => stopChild(child),
    async dispose() {
      await stopChild(child);
      rmSync(data, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** The Eureka server jar tools/services built and cached. */
export function eurekaJar(): string | undefined {
  const cache = join(homedir(), '.cache', 'wharf-services');
  if (!existsSync(cache)) return undefined;
  const dir = readdirSync(cache).find(
    (name) => name.startsWith('eureka-server-') && existsSync(join(cache, name, 'eureka-server.jar')),
  );
  return dir === undefined ? undefined : join(cache, dir, 'eureka-server.jar');
}

/** A Eureka server from the cached jar on a free loopback port (the settings of the shared one). */
export async function privateEureka(jar: string): Promise<PrivateServer> {
  const port = await portForLater(); // see above
  const url = `http://127.0.0.1:${port}/eureka`;
  let child: ChildProcess | undefined;
  const server: PrivateServer = {
    url,
    async start() {
      const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
      child = spawn(
        java,
        [
          '-Xms64m',
          '-Xmx256m',
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          '-jar',
          jar,
          `--server.port=${port}`,
          // Eureka's read-write response cache can keep a payload computed while a registration
          // landed (a known race) until it expires: 180 s by default, 2 s here.
          '--eureka.server.response-cache-auto-expiration-in-seconds=2',
        ],
        { stdio: 'ignore' },
      );
      await waitFor(`${url}/apps`, async (r) => r.ok, 'Eureka', 90_000);
    },
    stop: () => stopChild(child),
    async dispose() {
      await stopChild(child);
    },
  };
  await server.start();
  return server;
}
