// Ports for servers a test starts later (or stops and starts again on the same port).
import { createServer } from 'node:net';

/** @param {number} port @param {string} host @returns {Promise<number | undefined>} */
function tryPort(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : undefined));
    });
  });
}

const handedOut = new Set();

/**
 * A free port below the ephemeral range (32768+ on Linux, 49152+ on macOS), for a server started
 * later. A port the system picks (listen on 0) comes from that range, and until a server listens
 * on it again the system may hand it out as the local end of any outgoing connection: the
 * distributed shop once had a gateway fail to start (EADDRINUSE) on a port picked seconds earlier.
 */
export async function portForLater(host = '127.0.0.1') {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    if ((await tryPort(port, host)) === port) {
      handedOut.add(port);
      return port;
    }
  }
  return /** @type {number} */ (await tryPort(0, host));
}
