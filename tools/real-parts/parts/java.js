// The servers that come from Maven Central: Apache Kafka (KRaft, single node) and a Spring Cloud
// Netflix Eureka server. Jars and builds are cached; data and logs go to the scratch directory.
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cached, seconds, treeHash } from '../lib/install.js';
import { CACHE_DIR, serviceDirs, TOOL_DIR } from '../lib/paths.js';
import { has, run, startDaemon, stopDaemon } from '../lib/proc.js';
import { probeKafka } from '../probes/kafka.js';
import { probeEureka } from '../probes/others.js';

/** @typedef {import('./part.js').Part} Part */

export const java = () => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
const javaPackages = [
  { pkg: 'default-jre-headless', present: () => has(java()) },
  { pkg: 'maven', present: () => has('mvn') },
];

const KAFKA_SOURCE = join(TOOL_DIR, 'kafka');
export const kafkaLibs = () => join(CACHE_DIR, `kafka-${treeHash(KAFKA_SOURCE)}`, 'libs');

/**
 * `server.properties` for one combined broker+controller on loopback (ports 9092 and 9093 for the
 * shared node; tests' private nodes pass free ones).
 */
export function kafkaProperties(dataDir, port = 9092, controllerPort = 9093, offsetsPartitions = 10) {
  return `# Written by tools/real-parts: a single-node KRaft broker on loopback for tests.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${dataDir}
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=${offsetsPartitions}
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# A consumer group forms at once instead of waiting 3 s for more members (tests start many).
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
`;
}

/** A Kafka cluster id: 16 random bytes, base64url, never starting with "-" (Kafka's own rule). */
export function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Formats a KRaft node's storage (a new cluster id, a standalone controller) for `properties`. */
export function formatKafka(properties, log) {
  const args = [
    '-cp',
    `${kafkaLibs()}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId(),
    '-c',
    properties,
    '--standalone',
  ];
  return run(java(), args, { log });
}

/** The JVM arguments that run a Kafka node from `properties`, logging under `logDir`. */
export function kafkaServerArgs(properties, logDir, maxHeap) {
  return [
    '-Xms256m',
    `-Xmx${maxHeap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(KAFKA_SOURCE, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${logDir}`,
    '-cp',
    `${kafkaLibs()}/*`,
    'kafka.Kafka',
    properties,
  ];
}

/** @type {Part} */
export const kafka = {
  name: 'kafka',
  title: 'Apache Kafka',
  purpose: 'the Kafka transport (events, consumer groups, retry and dead-letter topics)',
  env: 'KAFKA_BROKERS',
  defaultUrl: '127.0.0.1:9092',
  packages: javaPackages,
  probe: probeKafka,
  startTimeoutMs: 90_000,
  logFile: 'server.log',
  async prepare(say) {
    const libs = kafkaLibs();
    if (existsSync(libs)) return;
    const started = Date.now();
    say('downloading Apache Kafka’s jars from Maven Central');
    await cached(join(libs, '..'), async (tmp) => {
      copyFileSync(join(KAFKA_SOURCE, 'pom.xml'), join(tmp, 'pom.xml'));
      await run(
        'mvn',
        ['-B', '-q', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(tmp, 'libs')}`],
        {
          cwd: tmp,
          log: join(serviceDirs('kafka').log, 'install.log'),
        },
      );
    });
    say(`Kafka’s jars ready in ${seconds(started)}`);
  },
  async start() {
    const dirs = serviceDirs('kafka');
    const properties = join(dirs.root, 'server.properties');
    writeFileSync(properties, kafkaProperties(dirs.data));
    if (!existsSync(join(dirs.data, 'meta.properties'))) await formatKafka(properties, join(dirs.log, 'format.log'));
    startDaemon({
      command: java(),
      args: kafkaServerArgs(properties, dirs.log, '1g'),
      logFile: join(dirs.log, 'console.log'),
      pidFile: join(dirs.root, 'daemon.pid'),
    });
  },
  async stop() {
    return stopDaemon(join(serviceDirs('kafka').root, 'daemon.pid'), 30_000);
  },
};

const EUREKA_SOURCE = join(TOOL_DIR, 'eureka-server');
const eurekaJar = () => join(CACHE_DIR, `eureka-server-${treeHash(EUREKA_SOURCE)}`, 'eureka-server.jar');

/** @type {Part} */
export const eureka = {
  name: 'eureka',
  title: 'Eureka server',
  purpose: 'the registry’s Eureka backend (register, renew, fetch, cancel)',
  env: 'EUREKA_URL',
  defaultUrl: 'http://127.0.0.1:8761/eureka',
  packages: javaPackages,
  probe: probeEureka,
  startTimeoutMs: 120_000,
  logFile: 'eureka.log',
  async prepare(say) {
    const jar = eurekaJar();
    if (existsSync(jar)) return;
    const started = Date.now();
    say('building the Eureka server with Maven (Spring Cloud Netflix)');
    await cached(join(jar, '..'), async (tmp) => {
      const src = join(tmp, 'src');
      cpSync(EUREKA_SOURCE, src, { recursive: true, filter: (path) => !path.includes('/target') });
      await run('mvn', ['-B', '-q', '-DskipTests', 'package'], { cwd: src, log: join(serviceDirs('eureka').log, 'install.log') });
      copyFileSync(join(src, 'target', 'eureka-server.jar'), join(tmp, 'eureka-server.jar'));
    });
    say(`Eureka server built in ${seconds(started)}`);
  },
  async start() {
    const dirs = serviceDirs('eureka');
    startDaemon({
      command: java(),
      args: ['-Xms64m', '-Xmx512m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', eurekaJar()],
      cwd: dirs.data,
      logFile: join(dirs.log, 'eureka.log'),
      pidFile: join(dirs.root, 'daemon.pid'),
    });
  },
  async stop() {
    return stopDaemon(join(serviceDirs('eureka').root, 'daemon.pid'));
  },
};
