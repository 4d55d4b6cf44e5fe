// Node's HTTP/2 layer joins the values of a repeated header field with ", " before grpc-js sees
// them, so a metadata key a client sent twice ("a,b" then "c") reached the handler as one value
// ("a,b, c"), and a value holding a comma could not be told apart. Node passes the fields as sent
// (rawHeaders) to `stream` listeners; a listener that runs before grpc-js's puts a repeated custom
// key back as the list it was, which grpc-js reads as one metadata value each.
import type { EventEmitter } from 'node:events';
import type { Server } from '@grpc/grpc-js';

type Headers = Record<string, string | string[] | undefined>;

// Fields grpc-js or HTTP/2 read themselves: left as Node made them.
function isCustom(name: string): boolean {
  return !(
    name.startsWith(':') ||
    name.startsWith('grpc-') ||
    name === 'content-type' ||
    name === 'te' ||
    name === 'user-agent' ||
    name === 'cookie' ||
    name === 'set-cookie'
  );
}

function restore(_stream: unknown, headers: Headers, _flags: number, raw: readonly string[] | undefined): void {
  if (raw === undefined) return;
  // Most calls repeat nothing: one count of the keys says so (one field per key).
  let keys = 0;
  for (const _ in headers) keys++;
  if (keys * 2 === raw.length) return;
  const lists = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (!isCustom(name)) continue;
    const list = lists.get(name);
    if (list === undefined) lists.set(name, [raw[i + 1] as string]);
    else list.push(raw[i + 1] as string);
  }
  for (const [name, values] of lists) if (values.length > 1) headers[name] = values;
}

/**
 * Makes `server` keep repeated metadata values apart. grpc-js gives no hook between Node's HTTP/2
 * server and its own `stream` handler, so this reaches its (private) `http2Servers` once bound;
 * if a later grpc-js renames it, repeated values arrive joined again, as before (and
 * test/exactness.test.ts fails).
 */
export function keepRepeatedMetadata(server: Server): void {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return;
  for (const http2 of servers.keys() as Iterable<EventEmitter>) {
    if (typeof http2?.prependListener === 'function') http2.prependListener('stream', restore);
  }
}
