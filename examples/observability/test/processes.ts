// The example's services as `npm start` runs them (dist/main.js), one child process each.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Role } from '@wharf/example-observability';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A running service: its output so far and what it announced. */
export interface ServiceProcess {
  readonly role: Role;
  readonly child: ChildProcess;
  readonly addresses: readonly string[];
  /** Where its /metrics is: `127.0.0.1:<port>`. */
  readonly metrics: string;
  /** Its stdout lines parsed as JSON (the ECS log). */
  logLines(): Record<string, unknown>[];
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `role` with `env` on top of the defaults; resolves once it logged that it is up. */
export async function startService(role: Role, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ROLE: role, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const lines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const until = Date.now() + 20_000;
  let up: Record<string, unknown> | undefined;
  while (up === undefined) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`${role} did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    up = lines().find((line) => line.message === `${role} is up`);
  }
  const metrics = up.metrics as { address: string };
  return {
    role,
    child,
    addresses: up.addresses as string[],
    metrics: metrics.address,
    logLines: lines,
    output: () => output,
    stop() {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The three services with `env`: mailer and orders first, then front pointed at orders' gRPC address. */
export async function startExample(env: Record<string, string>): Promise<{ services: ServiceProcess[]; frontUrl: string }> {
  const mailer = await startService('mailer', env);
  const orders = await startService('orders', env);
  const ordersGrpc = orders.addresses.find((a) => a.startsWith('grpc://')) as string;
  const front = await startService('front', { ...env, ORDERS_URL: ordersGrpc });
  return { services: [mailer, orders, front], frontUrl: front.addresses.find((a) => a.startsWith('http://')) as string };
}
