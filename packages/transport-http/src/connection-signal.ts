import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';

const CONTROLLER = Symbol('wharf.http.connection');

type Tracked = Socket & { [CONTROLLER]?: AbortController };

/**
 * The signal that aborts when a connection closes: the HTTP/1.1 client going away. One per
 * connection, created on its first RPC: every request on it shares it (an AbortController per
 * request costs ~1.5 µs and a listener, a tenth of a small request's CPU). Each call unhooks its
 * listener when it ends, so a signal that fires later cancels nothing that already finished.
 */
export function connectionSignal(socket: Socket): AbortSignal {
  const tracked = socket as Tracked;
  let controller = tracked[CONTROLLER];
  if (controller === undefined) {
    const created = new AbortController();
    // Pipelined requests and their downstream calls each listen; none of them is a leak.
    setMaxListeners(0, created.signal);
    tracked[CONTROLLER] = created;
    socket.once('close', () => created.abort());
    controller = created;
  }
  return controller.signal;
}
