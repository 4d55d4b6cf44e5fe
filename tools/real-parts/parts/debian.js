// The servers Debian packages: RabbitMQ, PostgreSQL, etcd, Redis and Prometheus, each started
// on loopback on its usual port with its data and log under the scratch directory.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceDirs } from '../lib/paths.js';
import { accountFor, chownTree, has, run, startDaemon, stopDaemon } from '../lib/proc.js';
import { probeAmqp } from '../probes/amqp.js';
import { probeEtcd, probePostgres, probePrometheus, probeRedis } from '../probes/others.js';

/** @typedef {import('./part.js').Part} Part */

const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';

/** @type {Part} */
export const rabbitmq = {
  name: 'rabbitmq',
  title: 'RabbitMQ',
  purpose: 'the AMQP transport: its tests, the greeter and the shop',
  env: 'AMQP_URL',
  defaultUrl: 'amqp://guest:guest@127.0.0.1:5672',
  packages: [{ pkg: 'rabbitmq-server', present: () => existsSync(join(RABBITMQ_BIN, 'rabbitmq-server')) }],
  probe: probeAmqp,
  startTimeoutMs: 120_000,
  logFile: 'rabbit@*.log',
  async start() {
    const dirs = serviceDirs('rabbitmq');
    // As root, run as the rabbitmq account with its home (and Erlang cookie), exactly as the
    // package's /usr/sbin wrappers do, so `rabbitmqctl` keeps working for the tests.
    const account = accountFor('rabbitmq');
    writeFileSync(join(dirs.root, 'enabled_plugins'), '[].\n');
    chownTree(dirs.root, account);
    startDaemon({
      command: join(RABBITMQ_BIN, 'rabbitmq-server'),
      args: [],
      cwd: dirs.root,
      user: account,
      env: rabbitEnv(dirs, account),
      logFile: join(dirs.log, 'console.log'),
      pidFile: join(dirs.root, 'daemon.pid'),
    });
  },
  async stop() {
    return stopDaemon(join(serviceDirs('rabbitmq').root, 'daemon.pid'), 60_000);
  },
};

function rabbitEnv(dirs, account) {
  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('RABBITMQ_')) env[key] = value;
  return {
    ...env,
    ...(account ? { HOME: account.home, USER: account.name, LOGNAME: account.name } : {}),
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: '5672',
    RABBITMQ_MNESIA_BASE: dirs.data,
    RABBITMQ_LOG_BASE: dirs.log,
    RABBITMQ_PID_FILE: join(dirs.root, 'rabbitmq.pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dirs.root, 'enabled_plugins'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
}

function postgresBin() {
  if (!existsSync('/usr/lib/postgresql')) return undefined;
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest && `/usr/lib/postgresql/${newest}/bin`;
}

/** @type {Part} */
export const postgres = {
  name: 'postgres',
  title: 'PostgreSQL',
  purpose: 'the shop’s databases when DATABASE_URL is set (SQLite otherwise)',
  env: 'DATABASE_URL',
  defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
  packages: [
    { pkg: 'postgresql', present: () => postgresBin() !== undefined },
    { pkg: 'postgresql-client', present: () => has('psql') },
  ],
  probe: probePostgres,
  startTimeoutMs: 60_000,
  logFile: 'postgresql.log',
  async start() {
    const dirs = serviceDirs('postgres');
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
    // PostgreSQL refuses to run as root: as root, run it as the postgres account.
    const user = accountFor('postgres');
    chownTree(dirs.root, user);
    const log = join(dirs.log, 'setup.log');
    if (!existsSync(join(dirs.data, 'PG_VERSION'))) {
      await run(join(bin, 'initdb'), ['-D', dirs.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'], {
        user,
        log,
        cwd: dirs.root,
      });
    }
    // Test settings: loopback only, trust auth (initdb above), no fsync — the data is scratch.
    const settings = [
      'listen_addresses=127.0.0.1',
      'port=5432',
      `unix_socket_directories=${dirs.root}`,
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
      'max_connections=300',
    ];
    const options = settings.map((s) => `-c ${s}`).join(' ');
    await run(
      join(bin, 'pg_ctl'),
      ['-D', dirs.data, '-l', join(dirs.log, 'postgresql.log'), '-o', options, '-w', '-t', '60', 'start'],
      { user, log, cwd: dirs.root },
    );
    const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
    const exists = await run('psql', [admin, '-XtAc', "SELECT 1 FROM pg_database WHERE datname = 'test'"], { log });
    if (exists.trim() !== '1') await run('psql', [admin, '-Xqc', 'CREATE DATABASE test'], { log });
  },
  async stop() {
    const dirs = serviceDirs('postgres');
    const bin = postgresBin();
    if (!bin || !existsSync(join(dirs.data, 'postmaster.pid'))) return false;
    await run(join(bin, 'pg_ctl'), ['-D', dirs.data, '-m', 'fast', '-w', 'stop'], {
      user: accountFor('postgres'),
      cwd: dirs.root,
    }).catch(() => undefined);
    return true;
  },
};

/** @type {Part} */
export const etcd = {
  name: 'etcd',
  title: 'etcd',
  purpose: 'the registry’s distributed backend (leases, watches, routing rules)',
  env: 'ETCD_URL',
  defaultUrl: 'http://127.0.0.1:2379',
  packages: [
    { pkg: 'etcd-server', present: () => has('etcd') },
    { pkg: 'etcd-client', present: () => has('etcdctl') },
  ],
  probe: probeEtcd,
  startTimeoutMs: 30_000,
  logFile: 'etcd.log',
  async start() {
    const dirs = serviceDirs('etcd');
    startDaemon({
      command: 'etcd',
      args: [
        '--name=wharf',
        `--data-dir=${dirs.data}`,
        '--listen-client-urls=http://127.0.0.1:2379',
        '--advertise-client-urls=http://127.0.0.1:2379',
        '--listen-peer-urls=http://127.0.0.1:2380',
        '--initial-advertise-peer-urls=http://127.0.0.1:2380',
        '--initial-cluster=wharf=http://127.0.0.1:2380',
        '--auto-compaction-retention=1h',
      ],
      logFile: join(dirs.log, 'etcd.log'),
      pidFile: join(dirs.root, 'daemon.pid'),
    });
  },
  async stop() {
    return stopDaemon(join(serviceDirs('etcd').root, 'daemon.pid'));
  },
};

/** @type {Part} */
export const redis = {
  name: 'redis',
  title: 'Redis',
  purpose: 'the gateway’s shared rate limits',
  env: 'REDIS_URL',
  defaultUrl: 'redis://127.0.0.1:6379',
  packages: [{ pkg: 'redis-server', present: () => has('redis-server') }],
  probe: probeRedis,
  startTimeoutMs: 20_000,
  logFile: 'redis.log',
  async start() {
    const dirs = serviceDirs('redis');
    startDaemon({
      command: 'redis-server',
      args: ['--bind', '127.0.0.1', '--port', '6379', '--dir', dirs.data, '--save', '', '--appendonly', 'no'],
      logFile: join(dirs.log, 'redis.log'),
      pidFile: join(dirs.root, 'daemon.pid'),
    });
  },
  async stop() {
    return stopDaemon(join(serviceDirs('redis').root, 'daemon.pid'));
  },
};

/** The scrape config Prometheus starts with; tests add targets as files under `targets/` and rules under `rules/`. */
export function prometheusConfig(root) {
  return `# Written by tools/services. Scrape targets: drop JSON files (Prometheus file_sd format) into
# ${root}/targets; alerting and recording rules: YAML files into ${root}/rules, then POST /-/reload.
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${root}/rules/*.yml
scrape_configs:
  - job_name: wharf
    file_sd_configs:
      - files: ['${root}/targets/*.json']
        refresh_interval: 1s
`;
}

/** @type {Part} */
export const prometheus = {
  name: 'prometheus',
  title: 'Prometheus',
  purpose: 'the observability tests scrape running services and run the dashboards’ queries',
  env: 'PROMETHEUS_URL',
  defaultUrl: 'http://127.0.0.1:9090',
  packages: [
    { pkg: 'prometheus', present: () => has('prometheus') },
    { pkg: 'prometheus', present: () => has('promtool') },
  ],
  probe: probePrometheus,
  startTimeoutMs: 30_000,
  logFile: 'prometheus.log',
  async start() {
    const dirs = serviceDirs('prometheus');
    for (const sub of ['targets', 'rules']) mkdirSync(join(dirs.root, sub), { recursive: true });
    const config = join(dirs.root, 'prometheus.yml');
    writeFileSync(config, prometheusConfig(dirs.root));
    startDaemon({
      command: 'prometheus',
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${dirs.data}`,
        '--storage.tsdb.retention.time=1d',
        '--web.listen-address=127.0.0.1:9090',
        '--web.enable-lifecycle',
        '--web.enable-admin-api',
      ],
      logFile: join(dirs.log, 'prometheus.log'),
      pidFile: join(dirs.root, 'daemon.pid'),
    });
  },
  async stop() {
    return stopDaemon(join(serviceDirs('prometheus').root, 'daemon.pid'));
  },
};
