// A Kafka metadata request (ApiVersions to pick a version, then Metadata v4): proves the broker
// speaks Kafka's protocol, has joined its KRaft quorum and advertises an address.
import { hostPort, talk } from './socket.js';

const API_VERSIONS = 18;
const METADATA = 3;
const METADATA_VERSION = 4; // non-flexible; supported from Kafka 1.0 through 4.x

/**
 * Resolves with e.g. "cluster 4Xf…, broker 1 at 127.0.0.1:9092" or rejects.
 * @param {string} brokers `host:port[,host:port…]`; the first is asked
 */
export function probeKafka(brokers) {
  const first = brokers.split(',')[0]?.trim() ?? '';
  return talk(hostPort(first, 9092), async ({ write, read }) => {
    let correlation = 0;
    const ask = async (apiKey, version, body) => {
      const id = ++correlation;
      const client = Buffer.from('wharf-services-probe');
      const header = Buffer.alloc(10);
      header.writeInt16BE(apiKey, 0);
      header.writeInt16BE(version, 2);
      header.writeInt32BE(id, 4);
      header.writeInt16BE(client.length, 8);
      const message = Buffer.concat([header, client, body]);
      const size = Buffer.alloc(4);
      size.writeInt32BE(message.length);
      write(Buffer.concat([size, message]));
      const length = (await read(4)).readInt32BE(0);
      const response = await read(length);
      if (response.readInt32BE(0) !== id) throw new Error('a Kafka response with the wrong correlation id');
      return response.subarray(4);
    };

    const versions = await ask(API_VERSIONS, 0, Buffer.alloc(0));
    const error = versions.readInt16BE(0);
    if (error !== 0) throw new Error(`ApiVersions failed with Kafka error ${error}`);
    let supported = false;
    for (let i = 0, at = 6; i < versions.readInt32BE(2); i++, at += 6) {
      if (versions.readInt16BE(at) === METADATA) {
        supported = versions.readInt16BE(at + 2) <= METADATA_VERSION && METADATA_VERSION <= versions.readInt16BE(at + 4);
      }
    }
    if (!supported) throw new Error(`the broker does not serve Metadata v${METADATA_VERSION}`);

    // No topics (an empty array, not null = all), no auto-creation.
    const metadata = await ask(METADATA, METADATA_VERSION, Buffer.from([0, 0, 0, 0, 0]));
    let at = 4; // throttle_time_ms
    const brokerCount = metadata.readInt32BE(at);
    at += 4;
    const found = [];
    for (let i = 0; i < brokerCount; i++) {
      const node = metadata.readInt32BE(at);
      const hostLen = metadata.readInt16BE(at + 4);
      const host = metadata.subarray(at + 6, at + 6 + hostLen).toString('utf8');
      at += 6 + hostLen;
      const port = metadata.readInt32BE(at);
      const rackLen = metadata.readInt16BE(at + 4);
      at += 6 + Math.max(rackLen, 0);
      found.push(`broker ${node} at ${host}:${port}`);
    }
    const clusterLen = metadata.readInt16BE(at);
    const cluster = clusterLen >= 0 ? metadata.subarray(at + 2, at + 2 + clusterLen).toString('utf8') : '?';
    if (found.length === 0) throw new Error('the broker knows no brokers yet (KRaft quorum not formed)');
    return `cluster ${cluster}, ${found.join(', ')}`;
  });
}
