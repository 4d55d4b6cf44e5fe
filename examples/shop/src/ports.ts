import { createServer } from 'node:net';

function tryPort(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : undefined));
    });
  });
}

/** `preferred` if nothing listens on it, else a free port the system picks. */
export async function freePort(preferred = 0, host = '127.0.0.1'): Promise<number> {
  return (preferred !== 0 ? await tryPort(preferred, host) : undefined) ?? ((await tryPort(0, host)) as number);
}

const handedOut = new Set<number>();

/**
 * A free port for a process started later, below the ephemeral range (32768+ on Linux, 49152+ on
 * macOS). A port the system picks comes from that range, and until the process listens on it the
 * system may hand it out again as the local end of any outgoing connection: the distributed shop
 * once had a gateway fail to start (EADDRINUSE) on a port picked seconds earlier.
 */
export async function portForLater(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    if ((await tryPort(port, host)) === port) {
      handedOut.add(port);
      return port;
    }
  }
  return freePort(0, host);
}
