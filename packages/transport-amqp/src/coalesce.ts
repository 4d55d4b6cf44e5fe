import type { ChannelModel } from 'amqplib';

// amqplib's multiplexer writes each frame to the socket with its own write() call; with Nagle
// off (noDelay, needed to avoid ~40 ms stalls) each becomes a syscall and a TCP segment, and
// profiling shows the server spending most of its CPU there. Corking the socket around one pass
// of the multiplexer sends every frame queued in that turn of the event loop (replies, acks,
// publishes of many concurrent messages) in one writev, without delaying any of them.

interface AmqplibInternals {
  readonly connection?: {
    readonly stream?: { cork?(): void; uncork?(): void };
    readonly muxer?: { _readIncoming?: () => void };
  };
}

/** Batches the frames of one multiplexer pass into one socket write; false when amqplib's internals differ (then nothing changes). */
export function coalesceWrites(model: ChannelModel): boolean {
  const connection = (model as unknown as AmqplibInternals).connection;
  const socket = connection?.stream;
  const muxer = connection?.muxer;
  const cork = socket?.cork;
  const uncork = socket?.uncork;
  const read = muxer?._readIncoming;
  if (socket === undefined || muxer === undefined || cork === undefined || uncork === undefined || read === undefined) {
    return false;
  }
  Object.assign(muxer, {
    _readIncoming(this: unknown) {
      cork.call(socket);
      try {
        read.call(this);
      } finally {
        uncork.call(socket);
      }
    },
  });
  return true;
}
