import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portForLater } from '@wharf/real-parts';
import { serviceSecrets } from './provider.js';

/** `<package>/dist/main.js`, beside the package's entry point. */
const mainOf = (pkg: string) => fileURLToPath(import.meta.resolve(pkg)).replace(/index\.js$/, 'main.js');
/** Each process's entry point: the package's own dist/main.js. */
const MAIN: Readonly<Record<string, string>> = {
  provider: new URL('./provider-main.js', import.meta.url).pathname,
  users: mainOf('@wharf/shop-users'),
  catalog: mainOf('@wharf/shop-catalog'),
  orders: mainOf('@wharf/shop-orders'),
  payments: mainOf('@wharf/shop-payments'),
  notifications: mainOf('@wharf/shop-notifications'),
  gateway: mainOf('@wharf/shop-storefront'),
};

/** What the distributed shop runs on, and how many of each process. */
export interface ClusterOptions {
  /** PostgreSQL; each service gets `<prefix>_<service>`. */
  readonly databaseUrl: string;
  readonly databasePrefix: string;
  readonly amqpUrl: string;
  /** Prefix of every exchange and queue of this shop. */
  readonly amqpNamespace: string;
  /** `host:port` of etcd. */
  readonly etcd: string;
  /** Namespace of the instances and routing rules in etcd. */
  readonly registryNamespace: string;
  readonly redisUrl: string;
  /** OTLP/HTTP traces (Jaeger); none: no tracing. */
  readonly otlpEndpoint?: string;
  readonly otlpSampleRatio?: number;
  /** Instances per service; default orders 2, catalog 2, every other 1; gateways 2. */
  readonly instances?: Readonly<Record<string, number>>;
  /** Environment of every service process (settings such as PAYMENTS_FAILURE_RATE, LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string>>;
  /** First port to use (ports go up from it); free ports when absent. */
  readonly basePort?: number;
  /** Where each process's output goes (`<name>.log`). */
  readonly logDir: string;
}

/** One process of the shop. */
export interface ShopProcess {
  /** `orders-1`, `gateway-2`, `provider`. */
  readonly name: string;
  readonly role: string;
  readonly env: Readonly<Record<string, string>>;
  child: ChildProcess | undefined;
  /** The admin port (health and metrics) of a service, the HTTP port of a gateway or the provider. */
  readonly port: number;
}

const ROLES = ['users', 'catalog', 'payments', 'notifications', 'orders'] as const;

/**
 * The shop's distributed mode: every service its own process (two instances of orders and
 * catalog), the provider and two gateways, on RabbitMQ (commands and events), etcd (registry),
 * PostgreSQL (a database per service), Redis (shared rate limits). `start()` waits until each
 * process says it is up; `kill`/`restart` are for the crash tests.
 */
export class ShopCluster {
  readonly options: ClusterOptions;
  readonly processes = new Map<string, ShopProcess>();
  readonly #logs = new Map<string, WriteStream>();
  issuer = '';
  gatewayUrls: string[] = [];

  constructor(options: ClusterOptions) {
    this.options = options;
  }

  async #port(next: { port: number }): Promise<number> {
    if (this.options.basePort === undefined) return portForLater();
    return next.port++;
  }

  async start(): Promise<void> {
    const o = this.options;
    mkdirSync(o.logDir, { recursive: true });
    const counter = { port: o.basePort ?? 0 };
    const secrets = serviceSecrets();
    const count = (role: string) =>
      o.instances?.[role] ?? (role === 'orders' || role === 'catalog' || role === 'gateway' ? 2 : 1);
    const providerPort = await this.#port(counter);
    this.issuer = `http://127.0.0.1:${providerPort}`;
    const gatewayPorts: number[] = [];
    for (let i = 0; i < count('gateway'); i++) gatewayPorts.push(await this.#port(counter));
    this.gatewayUrls = gatewayPorts.map((p) => `http://127.0.0.1:${p}`);
    const registry = `etcd://${o.etcd}?namespace=${o.registryNamespace}&ttl=5`;
    const common: Record<string, string> = {
      SHOP_ISSUER: this.issuer,
      WHARF_REGISTRY: registry,
      LOG_LEVEL: 'warn',
      ...(o.otlpEndpoint === undefined
        ? {}
        : { OTLP_ENDPOINT: o.otlpEndpoint, OTLP_SAMPLE_RATIO: String(o.otlpSampleRatio ?? 0.05) }),
    };
    this.#add('provider', 'provider', providerPort, {
      PORT: String(providerPort),
      SHOP_SECRETS: JSON.stringify(secrets),
      SHOP_ORIGINS: this.gatewayUrls.join(','),
    });
    for (const role of ROLES) {
      for (let i = 1; i <= count(role); i++) {
        const [grpc, admin] = [await this.#port(counter), await this.#port(counter)];
        this.#add(`${role}-${i}`, role, admin, {
          ...common,
          DATABASE_URL: o.databaseUrl,
          SHOP_DB_PREFIX: o.databasePrefix,
          AMQP_URL: o.amqpUrl,
          AMQP_NAMESPACE: o.amqpNamespace,
          SHOP_CLIENT_SECRET: secrets[role] as string,
          GRPC_PORT: String(grpc),
          ADMIN_PORT: String(admin),
          ...o.env,
        });
      }
    }
    gatewayPorts.forEach((port, i) => {
      this.#add(`gateway-${i + 1}`, 'gateway', port, {
        ...common,
        PORT: String(port),
        REDIS_URL: o.redisUrl,
        SHOP_GATEWAY_NAME: `gateway-${i + 1}`,
        ...o.env,
      });
    });
    // The provider first (services fetch its keys), then the first instance of each service (it
    // runs its database's migrations), then the other instances and the gateways.
    await this.#run('provider');
    await Promise.all(ROLES.map((role) => this.#run(`${role}-1`)));
    await Promise.all([...this.processes.values()].filter((p) => p.child === undefined).map((p) => this.#run(p.name)));
  }

  #add(name: string, role: string, port: number, env: Record<string, string>): void {
    this.processes.set(name, { name, role, env, port, child: undefined });
  }

  /** Starts (or restarts) one process and waits until it reports it is up. */
  async #run(name: string): Promise<void> {
    const proc = this.processes.get(name);
    if (proc === undefined) throw new Error(`No process ${name}`);
    let log = this.#logs.get(name);
    if (log === undefined) {
      log = createWriteStream(join(this.options.logDir, `${name}.log`), { flags: 'a' });
      this.#logs.set(name, log);
    }
    const child = spawn(process.execPath, [MAIN[proc.role] as string], {
      env: { ...process.env, ...proc.env, LOG_LEVEL: proc.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.child = child;
    const marker = proc.role === 'gateway' ? 'gateway is up' : `${proc.role} is up`;
    const sink = log;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start in 60 s; see ${join(this.options.logDir, `${name}.log`)}`)),
        60_000,
      );
      const onData = (chunk: Buffer) => {
        sink.write(chunk);
        if (seen !== 'up') {
          seen = (seen + chunk.toString()).slice(-4096);
          if (seen.includes(marker)) {
            seen = 'up';
            clearTimeout(timer);
            resolve();
          }
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        sink.write(`\n[${name} exited: ${code ?? signal}]\n`);
        // The output itself, not only the log's path: a test's clean-up may delete the log.
        if (seen !== 'up') {
          reject(
            new Error(
              `${name} exited (${code ?? signal}) before it was up; see ${this.options.logDir}/${name}.log. Its last output:\n${seen.slice(-2_000)}`,
            ),
          );
        }
      });
    });
  }

  /** SIGKILL: no drain, no deregistration — a crash. */
  async kill(name: string): Promise<void> {
    const child = this.processes.get(name)?.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts a killed (or stopped) process again, with the same ports and settings. */
  restart(name: string): Promise<void> {
    return this.#run(name);
  }

  /** Names of the processes of one role: `orders-1`, `orders-2`. */
  named(role: string): string[] {
    return [...this.processes.values()].filter((p) => p.role === role).map((p) => p.name);
  }

  /** SIGTERM to everything (gateways first, the provider last), each drained. */
  async stop(): Promise<void> {
    const order = ['gateway', 'orders', 'notifications', 'payments', 'catalog', 'users', 'provider'];
    for (const role of order) {
      await Promise.all(
        this.named(role).map(async (name) => {
          const child = this.processes.get(name)?.child;
          if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    }
    for (const log of this.#logs.values()) log.end();
  }
}
