import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Requests parked behind a connection's current one before the server stops reading from it. */
const MAX_PARKED = 16;

/** The parts of Node's server socket its HTTP server uses to stop reading a flood of pipelined requests. */
interface ServerSocket extends Socket {
  _paused?: boolean;
  parser?: { pause(): void; resume(): void } | null;
}

const parked = new WeakMap<Socket, number>();

/**
 * Runs `handle` for a request when its turn on the connection has come: at once for the only
 * request in flight (every non-pipelining client), and for a pipelined one once the response before
 * it is finished — Node parks such a response until then (`res.socket` is null) and emits `socket`
 * when it is its turn. So a connection's requests run one after another, as their responses must
 * be sent, instead of all at once (5 000 pipelined requests were 5 000 handlers in flight and a
 * `close` listener each). Past MAX_PARKED waiting requests the connection is paused the way Node
 * pauses it itself when responses pile up (`_paused`, which also stops its parser after the
 * current chunk), and resumed once half have run.
 */
export function inTurn(
  req: IncomingMessage,
  res: ServerResponse,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  if (res.socket !== null) {
    handle(req, res);
    return;
  }
  const socket = req.socket as ServerSocket;
  const waiting = (parked.get(socket) ?? 0) + 1;
  parked.set(socket, waiting);
  if (waiting > MAX_PARKED && socket._paused !== true) {
    socket._paused = true;
    socket.pause();
  }
  res.once('socket', () => {
    const left = (parked.get(socket) ?? 1) - 1;
    parked.set(socket, left);
    if (left <= MAX_PARKED / 2 && socket._paused === true && !socket.destroyed) {
      socket._paused = false;
      socket.parser?.resume();
      socket.resume();
    }
    handle(req, res);
  });
}
