// A TCP proxy in front of a broker, for faults of the network between one app and the broker:
// freeze it (a peer that stops answering: sockets stay open, nothing passes), or cut it (every
// connection through it dropped). Only the connections of the app pointed at the proxy are
// affected; the broker itself is never disturbed.
import { createConnection, createServer, type Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** The broker URL through the proxy (guest/guest). */
  readonly url: string;
  /** Stops forwarding in both directions; new connections are accepted and left hanging. */
  freeze(): void;
  /** Forwards again (new connections only: data dropped while frozen is gone). */
  thaw(): void;
  /** Destroys every connection through the proxy, both sides. */
  cut(): void;
  /** Connections opened through the proxy so far. */
  readonly opened: number;
  /** Called with each chunk the broker sends the app, after it was forwarded. */
  onBrokerData: ((chunk: Buffer) => void) | undefined;
  close(): Promise<void>;
}

/** Starts a proxy on a free port forwarding to `127.0.0.1:<targetPort>`. */
export async function startTcpProxy(targetPort = 5672): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();
  let frozen = false;
  let opened = 0;
  const proxy: TcpProxy = {
    port: 0,
    url: '',
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
    },
    cut: () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
    },
    get opened() {
      return opened;
    },
    onBrokerData: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cut();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    opened++;
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    // A frozen proxy accepts a connection and never answers it.
    if (frozen) return;
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    upstream.on('error', drop);
    upstream.on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (frozen) return;
      client.write(chunk);
      proxy.onBrokerData?.(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  Object.assign(proxy, { port, url: `amqp://guest:guest@127.0.0.1:${port}` });
  return proxy;
}
