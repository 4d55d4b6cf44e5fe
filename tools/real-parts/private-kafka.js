// A private single-node Kafka (KRaft) for the tests that stop, kill or restart the broker, so
// they never disturb the shared one on 9092 or the test files running beside them. It runs the
// same jars and server.properties as tools/services' Kafka, on free ports, with its data in a
// temp dir that `close()` deletes.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, tail } from './lib/proc.js';
import { formatKafka, java, kafka, kafkaProperties, kafkaServerArgs } from './parts/java.js';
import { portForLater } from './ports.js';
import { probeKafka } from './probes/kafka.js';

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();
// A test process that dies must not leave brokers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a private Kafka node and waits until it answers a metadata request.
 * @param {{ startTimeoutMs?: number, properties?: Record<string, string | number> }} [options]
 *   `properties`: more `server.properties` lines, e.g. shorter group session timeouts
 */
export async function startPrivateKafka(options = {}) {
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  await kafka.prepare?.(() => {}); // the jars, when tools/services has not fetched them yet
  const dir = mkdtempSync(join(tmpdir(), 'wharf-kafka-'));
  const port = await portForLater();
  const controllerPort = await portForLater();
  const brokers = `127.0.0.1:${port}`;
  const properties = join(dir, 'server.properties');
  const log = join(dir, 'console.log');
  // One offsets partition: the group coordinator is ready sooner after each start.
  const extra = Object.entries(options.properties ?? {}).map(([key, value]) => `${key}=${value}\n`);
  writeFileSync(properties, kafkaProperties(join(dir, 'data'), port, controllerPort, 1) + extra.join(''));
  await formatKafka(properties, join(dir, 'format.log'));
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;

  async function start() {
    if (child !== undefined) return;
    const fd = openSync(log, 'a');
    try {
      child = spawn(java(), kafkaServerArgs(properties, dir, '512m'), { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const me = child;
    running.add(me);
    me.once('exit', () => {
      running.delete(me);
      if (child === me) child = undefined;
    });
    const until = Date.now() + startTimeoutMs;
    for (;;) {
      if (child !== me) throw new Error(`the private Kafka exited while starting; its log:\n${tail(log)}`);
      try {
        await probeKafka(brokers);
        return;
      } catch (error) {
        if (Date.now() > until)
          throw new Error(
            `the private Kafka did not answer within ${startTimeoutMs} ms: ${/** @type {Error} */ (error).message}`,
          );
        await sleep(200);
      }
    }
  }

  async function halt(signal) {
    const me = child;
    if (me === undefined) return;
    const exited = new Promise((resolve) => me.once('exit', resolve));
    me.kill(signal);
    const timer = setTimeout(() => me.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    /** `127.0.0.1:<port>`, for `bootstrapBrokers` / `KAFKA_BROKERS`. */
    brokers,
    port,
    /** The node's folder (data, logs). */
    dir,
    /** Starts it again on the same ports and data, and waits until it answers. */
    start,
    /** A clean shutdown (SIGTERM); resolves when the process has exited. */
    stop: () => halt('SIGTERM'),
    /** SIGKILL: the broker dies without a word. */
    kill: () => halt('SIGKILL'),
    /** Stops it cleanly, then starts it again. */
    async restart() {
      await halt('SIGTERM');
      await start();
    },
    /** True while the process runs. */
    get running() {
      return child !== undefined;
    },
    /** Stops it and deletes its files. */
    async close() {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
