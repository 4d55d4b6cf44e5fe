// Why `reply_to` is checked before a reply is published to it: RabbitMQ decodes a direct reply-to
// address (`amq.rabbitmq.reply-to.<base64 Erlang pid>[.<key>]`) when a message is published to
// it, and up to at least 3.10 a token that does not decode to a pid crashes the publishing
// channel's process and closes the *whole connection* with 541 INTERNAL_ERROR. A request carrying
// such a token would take every consumer of the server's connection down with it.

import { DIRECT_REPLY_TO } from '../names.js';

const TOKEN_PREFIX = `${DIRECT_REPLY_TO}.`;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

// Erlang external term format: version byte, then the tags a pid is made of.
const VERSION = 131;
const NEW_PID_EXT = 88;
const PID_EXT = 103;
const ATOM_EXT = 100;
const SMALL_ATOM_EXT = 115;
const ATOM_UTF8_EXT = 118;
const SMALL_ATOM_UTF8_EXT = 119;

/** True when `bytes` is exactly one Erlang pid in external term format (what `term_to_binary(Pid)` gives). */
function isPidTerm(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== VERSION) return false;
  const tag = bytes[1];
  if (tag !== NEW_PID_EXT && tag !== PID_EXT) return false;
  let at = 2;
  const atomTag = bytes[at++];
  let length: number;
  if (atomTag === ATOM_EXT || atomTag === ATOM_UTF8_EXT) {
    if (bytes.length < at + 2) return false;
    length = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    at += 2;
  } else if (atomTag === SMALL_ATOM_EXT || atomTag === SMALL_ATOM_UTF8_EXT) {
    if (bytes.length < at + 1) return false;
    length = bytes[at] as number;
    at += 1;
  } else {
    return false;
  }
  if (length === 0 || length > 1020) return false;
  at += length;
  // ID and serial (4 bytes each), then the creation: 4 bytes (NEW_PID_EXT) or 1 (PID_EXT).
  return bytes.length === at + 8 + (tag === NEW_PID_EXT ? 4 : 1);
}

function isBase64(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && BASE64.test(text);
}

/**
 * True when a reply can safely be published to `replyTo`: a plain queue name, or a direct
 * reply-to token whose pid part decodes to a pid (and whose key, if any, is base64). The bare
 * `amq.rabbitmq.reply-to` never reaches a server (the broker rewrites it), so it is refused too.
 */
export function isValidReplyTo(replyTo: string): boolean {
  if (replyTo === '' || Buffer.byteLength(replyTo) > 255) return false;
  if (!replyTo.startsWith(DIRECT_REPLY_TO)) return true;
  if (!replyTo.startsWith(TOKEN_PREFIX)) return false;
  const rest = replyTo.slice(TOKEN_PREFIX.length);
  const dot = rest.indexOf('.');
  const pid = dot < 0 ? rest : rest.slice(0, dot);
  if (!isBase64(pid)) return false;
  if (dot >= 0 && !isBase64(rest.slice(dot + 1))) return false;
  return isPidTerm(Buffer.from(pid, 'base64'));
}
