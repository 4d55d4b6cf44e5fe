import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

type ServerSocket = Socket & { _httpMessage?: ServerResponse | null };

/** The connections of a server, tracked from `connection` to `close`. */
export function trackConnections(server: Server): ReadonlySet<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/**
 * The end of the drain time: what is still open is closed, but only after the answers the cut-off
 * just gave are on their way. The app cancels what still runs with UNAVAILABLE in the same abort
 * event; those rejections are written by microtasks that run after every abort listener, so the
 * sockets are closed on the next turn (setImmediate), not now. A socket whose response is written
 * is ended gracefully (its data flushed, then FIN); one still waiting for an answer, or idle, is
 * destroyed.
 */
function cutOff(sockets: ReadonlySet<Socket>): void {
  setImmediate(() => {
    for (const socket of sockets as ReadonlySet<ServerSocket>) {
      if (socket._httpMessage?.writableEnded === true) socket.destroySoon();
      else socket.destroy();
    }
  });
}

/**
 * Stops accepting connections and resolves once every open one has closed; when `signal` aborts,
 * closes what is left (see cutOff).
 *
 * A kept-alive connection is never closed while a request could be on its way: a client may send
 * its next request at the very moment the server closes an idle connection, and then gets a reset
 * instead of an answer (it was 3–4 of 1 500 requests at 300 req/s with Node's `server.close()`,
 * which destroys idle connections, some with a request already in the socket buffer). So the
 * listener is closed without Node's idle sweep, and each connection ends one of three safe ways:
 * its next request is answered with `Connection: close` (every answer while draining is), the
 * client closes it, or it stays idle past the keep-alive time the server announced in
 * `Keep-Alive: timeout=…`, after which clients no longer use it (Node closes it then, as always).
 */
export function closeGracefully(server: Server, sockets: ReadonlySet<Socket>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const abort = () => cutOff(sockets);
    // net.Server's close: stop listening, call back once the last connection is gone. http.Server's
    // own close() would first destroy the idle connections.
    NetServer.prototype.close.call(server, () => {
      signal.removeEventListener('abort', abort);
      // Now that nothing is open, the http.Server's close only stops its connection-checking timer.
      server.close();
      resolve();
    });
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}
