// A small request/response conversation over TCP with a deadline, for protocol probes that must
// not depend on any npm package (they run before `npm install`).
import { connect } from 'node:net';

/**
 * Opens a TCP connection and hands `converse` a reader and a writer; resolves with what
 * `converse` returns, and always closes the socket. Rejects on refusal, reset or `timeoutMs`.
 * @template T
 * @param {{ host: string, port: number, timeoutMs?: number }} address
 * @param {(io: { write: (b: Buffer) => void, read: (n: number) => Promise<Buffer> }) => Promise<T>} converse
 * @returns {Promise<T>}
 */
export function talk(address, converse) {
  const { host, port, timeoutMs = 3_000 } = address;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffered = Buffer.alloc(0);
    /** @type {{ n: number, resolve: (b: Buffer) => void } | undefined} */
    let waiting;
    let failure;
    const fail = (error) => {
      failure ??= error;
      clearTimeout(timer);
      socket.destroy();
      reject(failure);
    };
    const timer = setTimeout(() => fail(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)), timeoutMs);
    const deliver = () => {
      if (waiting && buffered.length >= waiting.n) {
        const { n, resolve: give } = waiting;
        waiting = undefined;
        const chunk = buffered.subarray(0, n);
        buffered = buffered.subarray(n);
        give(chunk);
      }
    };
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      deliver();
    });
    socket.on('error', (error) => fail(error));
    socket.on('close', () => fail(new Error(`${host}:${port} closed the connection`)));
    socket.on('connect', () => {
      const io = {
        write: (b) => socket.write(b),
        read: (n) =>
          new Promise((give) => {
            waiting = { n, resolve: give };
            deliver();
          }),
      };
      converse(io).then(
        (value) => {
          clearTimeout(timer);
          socket.removeAllListeners('close');
          socket.on('error', () => {});
          socket.end();
          socket.destroySoon?.();
          resolve(value);
        },
        (error) => fail(error),
      );
    });
  });
}

/** Host and port of a URL or `host:port` string, with a default port. */
export function hostPort(address, defaultPort) {
  const url = address.includes('://') ? new URL(address) : new URL(`tcp://${address}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || defaultPort) };
}
