// A second RabbitMQ node of our own for the tests that cut or stop the broker, so they never
// disturb the shared broker on 5672 or the test files running beside them.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { portForLater } from '@wharf/real-parts';

const run = promisify(execFile);

// The package's scripts run as whoever calls them; /usr/sbin's wrappers would switch to the
// rabbitmq user (and its cookie and file rights), so call the real scripts when we can.
const SCRIPTS = '/usr/lib/rabbitmq/bin';
const script = (name: string) => (existsSync(join(SCRIPTS, name)) ? join(SCRIPTS, name) : name);

/** A running private RabbitMQ node. */
export interface FaultNode {
  /** Erlang node name, e.g. `wharf-fault-1a2b3c@localhost`. */
  readonly name: string;
  readonly port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>`. */
  readonly url: string;
  /** Runs `rabbitmqctl -n <node> ...args`. */
  ctl(...args: string[]): Promise<string>;
  /** Stops the node and deletes its files. */
  stop(): Promise<void>;
}

/** True when RabbitMQ's scripts are installed here. */
export function canStartNode(): boolean {
  return (
    existsSync(join(SCRIPTS, 'rabbitmq-server')) ||
    (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, 'rabbitmq-server')))
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a node on free ports with its own data, logs, config and Erlang cookie; resolves once it accepts connections. */
export async function startFaultNode(): Promise<FaultNode> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'wharf-fault-'));
  const name = `wharf-fault-${randomBytes(3).toString('hex')}@localhost`;
  // Below the ephemeral range: the node is stopped and started again on these ports.
  const port = await portForLater();
  let distPort = await portForLater();
  while (distPort === port) distPort = await portForLater();
  const cookie = join(dir, '.erlang.cookie');
  await writeFile(cookie, randomBytes(16).toString('hex'));
  await chmod(cookie, 0o400);
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\n`);
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('RABBITMQ_')) env[key] = value;
  Object.assign(env, {
    HOME: dir,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'node.pid'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  });
  const ctl = async (...args: string[]) => {
    const { stdout } = await run(script('rabbitmqctl'), ['-n', name, ...args], { env, timeout: 60_000 });
    return stdout;
  };
  const pidOf = async () => Number((await readFile(join(dir, 'node.pid'), 'utf8').catch(() => '')).trim()) || undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const pid = await pidOf();
    await ctl('stop').catch(() => {});
    for (let i = 0; pid !== undefined && alive(pid) && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  // Last resort if the test process dies without afterAll: do not leave a node behind.
  process.once('exit', () => {
    if (stopped) return;
    try {
      process.kill(Number(readFileSync(join(dir, 'node.pid'), 'utf8').trim()), 'SIGKILL');
    } catch {
      // Not started, or already gone.
    }
  });

  await new Promise<void>((resolve, reject) => {
    const child = spawn(script('rabbitmq-server'), ['-detached'], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rabbitmq-server -detached exited with ${code}`))));
  });
  // await_startup fails at once until the node has registered with epmd; poll it.
  for (;;) {
    try {
      await ctl('await_startup', '--timeout', '10');
      break;
    } catch (error) {
      if (Date.now() - started > 60_000) {
        const log = await readFile(join(dir, 'log', `${name}.log`), 'utf8').catch(() => '(no log)');
        await stop();
        throw new Error(`The fault-test RabbitMQ node did not start in 60 s: ${(error as Error).message}\n${log.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  console.log(`fault node ${name} on 127.0.0.1:${port} started in ${Date.now() - started} ms`);
  return { name, port, url: `amqp://guest:guest@127.0.0.1:${port}`, ctl, stop };
}
