// A loopback OTLP/HTTP collector stand-in for the exporter tests, and just enough protobuf to read
// the span names of the ExportTraceServiceRequests it receives.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A collector on loopback: what it was sent, and how it answers. */
export interface Collector {
  /** `http://127.0.0.1:<port>/v1/traces` */
  readonly url: string;
  /** The body of each request it answered 200, in order. */
  readonly bodies: Buffer[];
  /** The status it answers with (a refused request's body is not kept). */
  status: number;
  /** The most requests open at once. */
  maxOpen(): number;
  /** Holds every response until `release()` (which answers them all, and later ones at once). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const bodies: Buffer[] = [];
  let open = 0;
  let maxOpen = 0;
  let held: { res: ServerResponse; status: number }[] | undefined;
  const answer = (res: ServerResponse, status: number) =>
    res.writeHead(status, { 'content-type': 'application/x-protobuf' }).end();
  const server = createServer((req: IncomingMessage, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => open--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (collector.status === 200) bodies.push(Buffer.concat(chunks));
      if (held) held.push({ res, status: collector.status });
      else answer(res, collector.status);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const collector: Collector = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    bodies,
    status: 200,
    maxOpen: () => maxOpen,
    hold: () => {
      held ??= [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const { res, status } of waiting) answer(res, status);
    },
    close: () =>
      new Promise<void>((resolve) => {
        held = undefined;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return collector;
}

// resource_spans (1) → scope_spans (2) → spans (2) → name (5). Throws on bytes that are not a
// valid message, so a malformed request fails the test that reads it.
function fields(bytes: Uint8Array): { field: number; body?: Uint8Array }[] {
  const out: { field: number; body?: Uint8Array }[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const b = bytes[at++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new Error('a length past the end');
      out.push({ field: Math.floor(key / 8), body: bytes.subarray(at, at + length) });
      at += length;
      continue;
    } else throw new Error(`wire type ${wire}`);
    out.push({ field: Math.floor(key / 8) });
  }
  if (at !== bytes.length) throw new Error('a field past the end');
  return out;
}

/** The names of the spans in an ExportTraceServiceRequest, in order. */
export function spanNames(request: Uint8Array): string[] {
  const names: string[] = [];
  for (const r of fields(request).filter((f) => f.field === 1)) {
    for (const s of fields(r.body as Uint8Array).filter((f) => f.field === 2)) {
      for (const span of fields(s.body as Uint8Array).filter((f) => f.field === 2)) {
        const name = fields(span.body as Uint8Array).find((f) => f.field === 5);
        names.push(Buffer.from(name?.body ?? []).toString());
      }
    }
  }
  return names;
}
