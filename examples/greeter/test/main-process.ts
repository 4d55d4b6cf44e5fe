// The greeter as `npm start` runs it (dist/main.js), in a child process, for the tests that check it whole.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A running greeter process: everything it printed so far, and the addresses it announced. */
export interface GreeterProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** The addresses from its "greeter is up" log line. */
  readonly addresses: readonly string[];
  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null>;
}

/**
 * Starts dist/main.js with free ports for every transport it opens (so parallel test files never
 * collide) and `env` on top; resolves once it logged that it is up.
 */
export async function startGreeterProcess(env: Record<string, string> = {}): Promise<GreeterProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', GRPC_PORT: '0', AMQP_URL: '', KAFKA_BROKERS: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const until = Date.now() + 20_000;
  let up: { addresses?: string[] } | undefined;
  while (up === undefined) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`The greeter did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    up = output
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('greeter is up'))
      .map((line) => JSON.parse(line) as { addresses?: string[] })[0];
  }
  return {
    child,
    output: () => output,
    addresses: up.addresses ?? [],
    terminate() {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
