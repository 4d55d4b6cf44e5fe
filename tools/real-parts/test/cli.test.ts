// tools/services itself: `up` is idempotent and says so, `status` checks each part with its own
// protocol (a listener that accepts connections but speaks something else is not "up").
import { execFile } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { probeService, requireService } from '@wharf/real-parts';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SERVICES = fileURLToPath(new URL('../../services', import.meta.url));
const NAMES = ['rabbitmq', 'postgres', 'etcd', 'kafka', 'eureka', 'prometheus', 'redis', 'jaeger'] as const;

const everyPartUp = (await Promise.all(NAMES.map((name) => requireService(name, 'the tools/services idempotence test')))).every(
  Boolean,
);

describe.skipIf(!everyPartUp)('tools/services with every part running', () => {
  it('`up` a second time does nothing and says so', async () => {
    const { stdout } = await run(SERVICES, ['up'], { timeout: 60_000 });
    for (const name of NAMES) expect(stdout).toMatch(new RegExp(`^${name}\\s+already running at `, 'm'));
    expect(stdout).toMatch(/^nothing to do: 10 already running or installed/m);
  });

  it('`status` shows each address, a protocol-level answer and the log folder, and exits 0', async () => {
    const { stdout } = await run(SERVICES, ['status'], { timeout: 60_000 });
    expect(stdout).toMatch(/^rabbitmq\s+AMQP_URL=amqp:\/\/\S+\s+up\s+RabbitMQ [\d.]+, vhost \/\s+\(log: \S+\)$/m);
    expect(stdout).toMatch(/^postgres\s+DATABASE_URL=\S+\s+up\s+PostgreSQL .*\(SELECT 1\)/m);
    expect(stdout).toMatch(/^etcd\s+ETCD_URL=\S+\s+up\s+healthy \(\/health\)/m);
    expect(stdout).toMatch(/^kafka\s+KAFKA_BROKERS=\S+\s+up\s+cluster \S+, broker 1 at 127\.0\.0\.1:9092/m);
    expect(stdout).toMatch(/^eureka\s+EUREKA_URL=\S+\s+up\s+registry answers \(\/apps: /m);
    expect(stdout).toMatch(/^prometheus\s+PROMETHEUS_URL=\S+\s+up\s+ready \(\/-\/ready\)/m);
    expect(stdout).toMatch(/^redis\s+REDIS_URL=\S+\s+up\s+PONG/m);
    expect(stdout).toMatch(/^jaeger\s+JAEGER_URL=\S+\s+up\s+query API answers/m);
    expect(stdout).toMatch(/^chromium\s+\(command-line tool\)\s+installed\s+Chromium \d+/m);
    expect(stdout).toMatch(/^protoc\s+\(command-line tool\)\s+installed\s+libprotoc \d+/m);
  });
});

describe('the protocol probes refuse a port that answers something else', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });
  const listen = async (server: Server) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  it('a silent TCP listener is not RabbitMQ, Kafka or Redis', async () => {
    const port = await listen(createServer(() => {}));
    await Promise.all([
      expect(probeService('rabbitmq', `amqp://127.0.0.1:${port}`)).rejects.toThrow(/no answer/),
      expect(probeService('kafka', `127.0.0.1:${port}`)).rejects.toThrow(/no answer/),
      expect(probeService('redis', `redis://127.0.0.1:${port}`)).rejects.toThrow(/no answer/),
    ]);
  });

  it('an HTTP server is neither an AMQP broker nor etcd', async () => {
    const port = await listen(createHttpServer((_req, res) => res.end('{"hello":"world"}')));
    await expect(probeService('rabbitmq', `amqp://127.0.0.1:${port}`)).rejects.toThrow(
      /not an AMQP 0-9-1 server|closed the connection/,
    );
    await expect(probeService('etcd', `http://127.0.0.1:${port}`)).rejects.toThrow(/etcd is not healthy/);
  });

  it('a refused connection is reported as such', async () => {
    const port = await listen(createServer());
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    await expect(probeService('rabbitmq', `amqp://127.0.0.1:${port}`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
