import type { Socket } from 'node:net';

/** Longest time a refused upload is read (and discarded) after its answer. */
const LINGER_MS = 2_000;
/** Most bytes a refused upload may still send after its answer. */
const LINGER_BYTES = 8 * 1024 * 1024;

function lingeringClose(this: Socket): void {
  if (this.destroyed) return;
  this.end();
  let discarded = 0;
  const timer = setTimeout(() => this.destroy(), LINGER_MS);
  timer.unref();
  this.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) this.destroy();
  });
  this.once('close', () => clearTimeout(timer));
  this.resume();
}

/**
 * Makes the close after an answer to an unread request body a lingering close (RFC 9112 §9.6):
 * send FIN, keep reading and discarding what the client is still sending, and only then close.
 * Closing at once with unread bytes in the socket makes the kernel send RST, and a client still
 * uploading may then lose the 413 it has not read yet. Bounded by time and bytes; nothing is kept.
 */
export function lingerOnClose(socket: Socket): void {
  // Node's server calls destroySoon() once a `Connection: close` response is written.
  socket.destroySoon = lingeringClose;
}
