import type { Socket } from 'node:net';

/**
 * Registers `cancel` for when the connection closes (the HTTP/1.1 client going away) and returns
 * the unsubscribe; core calls it when the request ends, so a connection that closes later cancels
 * nothing that already finished. A listener per request instead of an AbortController per request
 * (~1.5 µs and GC, a tenth of a small request's CPU); core creates a signal only when a handler
 * reads `ctx.signal` or calls on.
 */
export function onConnectionClose(socket: Socket): (cancel: () => void) => () => void {
  return (cancel) => {
    if (socket.destroyed) {
      cancel();
      return () => {};
    }
    socket.once('close', cancel);
    return () => socket.off('close', cancel);
  };
}
