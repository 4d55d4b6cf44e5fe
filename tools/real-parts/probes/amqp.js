// An AMQP 0-9-1 handshake (start, start-ok with PLAIN, tune, open the vhost, close): proves the
// broker speaks AMQP, accepts the URL's credentials and has its virtual host.
import { hostPort, talk } from './socket.js';

const FRAME_END = 0xce;

/**
 * Resolves with e.g. "RabbitMQ 3.10.8, vhost /" or rejects with what went wrong.
 * @param {string} url `amqp://user:pass@host:port/vhost`
 */
export function probeAmqp(url) {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username || 'guest');
  const pass = decodeURIComponent(parsed.password || 'guest');
  const vhost = parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : '/';
  return talk(hostPort(url, 5672), async ({ write, read }) => {
    const frame = async () => {
      const header = await read(7);
      const size = header.readUInt32BE(3);
      const body = await read(size + 1);
      if (body[size] !== FRAME_END) throw new Error('not an AMQP 0-9-1 frame');
      return { type: header[0], payload: body.subarray(0, size) };
    };
    const method = async () => {
      for (;;) {
        const f = await frame();
        if (f.type !== 1) continue; // heartbeats
        const id = `${f.payload.readUInt16BE(0)}.${f.payload.readUInt16BE(2)}`;
        if (id === '10.50') throw new Error(`the broker closed the connection: ${closeReason(f.payload)}`);
        return { id, args: f.payload.subarray(4) };
      }
    };
    const send = (classId, methodId, args) => {
      const payload = Buffer.concat([u16(classId), u16(methodId), args]);
      write(Buffer.concat([Buffer.from([1]), u16(0), u32(payload.length), payload, Buffer.from([FRAME_END])]));
    };

    write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
    const first = await read(7);
    if (first.subarray(0, 4).toString('latin1') === 'AMQP') {
      throw new Error(`the server speaks another AMQP version (it answered ${JSON.stringify(first.toString('latin1'))})`);
    }
    const startBody = await read(first.readUInt32BE(3) + 1);
    if (first[0] !== 1 || startBody.readUInt16BE(0) !== 10 || startBody.readUInt16BE(2) !== 10) {
      throw new Error('not an AMQP 0-9-1 server (expected connection.start)');
    }
    const props = readTable(startBody.subarray(6));

    send(10, 11, Buffer.concat([u32(0), shortstr('PLAIN'), longstr(`\0${user}\0${pass}`), shortstr('en_US')]));
    const tune = await method();
    if (tune.id !== '10.30') throw new Error(`expected connection.tune, got ${tune.id}`);
    send(10, 31, tune.args.subarray(0, 8));
    send(10, 40, Buffer.concat([shortstr(vhost), shortstr(''), Buffer.from([0])]));
    const open = await method();
    if (open.id !== '10.41') throw new Error(`expected connection.open-ok, got ${open.id}`);
    send(10, 50, Buffer.concat([u16(200), shortstr('probe done'), u16(0), u16(0)]));
    await method().catch(() => undefined); // close-ok
    const product = [props.product ?? 'AMQP broker', props.version].filter(Boolean).join(' ');
    return `${product}, vhost ${vhost}`;
  });
}

function closeReason(payload) {
  const code = payload.readUInt16BE(4);
  const len = payload[6] ?? 0;
  return `${code} ${payload.subarray(7, 7 + len).toString('utf8')}`;
}

/** The string-valued entries of an AMQP field table (enough to read product and version). */
function readTable(buffer) {
  const size = buffer.readUInt32BE(0);
  const table = buffer.subarray(4, 4 + size);
  /** @type {Record<string, string>} */
  const out = {};
  let at = 0;
  while (at < table.length) {
    const keyLen = table[at];
    const key = table.subarray(at + 1, at + 1 + keyLen).toString('utf8');
    at += 1 + keyLen;
    const type = String.fromCharCode(table[at]);
    at += 1;
    if (type === 'S') {
      const len = table.readUInt32BE(at);
      out[key] = table.subarray(at + 4, at + 4 + len).toString('utf8');
      at += 4 + len;
    } else if (type === 'F') at += 4 + table.readUInt32BE(at);
    else if (type === 't' || type === 'b' || type === 'B') at += 1;
    else break; // a type we do not need to read past
  }
  return out;
}

const u16 = (n) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const shortstr = (s) => {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
};
const longstr = (s) => {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
};
