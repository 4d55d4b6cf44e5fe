// Child processes the multi-process tests start and kill: echo instances and callers.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A running fixture process and what it printed. */
export interface Child {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves with the first stdout line that parses as JSON. */
  readonly firstJson: Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `test/fixtures/<name>` with `env` on top of ours. */
export function startFixture(name: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [fixture(name)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let resolveJson: (value: Record<string, unknown>) => void = () => {};
  let rejectJson: (error: Error) => void = () => {};
  const firstJson = new Promise<Record<string, unknown>>((resolve, reject) => {
    resolveJson = resolve;
    rejectJson = reject;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const line of output.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        resolveJson(JSON.parse(line) as Record<string, unknown>);
      } catch {}
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  void exited.then((code) => rejectJson(new Error(`${name} exited (${code}) before printing JSON:\n${output}`)));
  const timer = setTimeout(() => rejectJson(new Error(`${name} printed no JSON in 30 s:\n${output}`)), 30_000);
  void firstJson.finally(() => clearTimeout(timer)).catch(() => {});
  return {
    process: child,
    output: () => output,
    firstJson,
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts an echo instance registered in `registry` with `release`; resolves once it is up. */
export async function startEcho(
  registry: string,
  release = '1',
  extra: Record<string, string> = {},
): Promise<Child & { instance: string }> {
  const child = startFixture('service.mjs', { WHARF_REGISTRY: registry, RELEASE: release, ...extra });
  const { instance } = (await child.firstJson) as { instance: string };
  return Object.assign(child, { instance });
}
