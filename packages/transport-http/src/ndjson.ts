import { WharfError } from '@wharf/core/transport';
import { errorFromProblem, isWharfProblem } from './problem.js';

function parseLine(line: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new WharfError('UNKNOWN', 'The server sent a stream line that is not JSON');
  }
  if (isWharfProblem(value)) throw errorFromProblem(value, value.status);
  return value;
}

/**
 * Reads an NDJSON body: yields one parsed message per line and throws the error a problem line
 * describes. A single line longer than `maxLineBytes` fails the stream (RESOURCE_EXHAUSTED).
 */
export async function* readNdjson(body: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() !== '') yield parseLine(line);
      newline = pending.indexOf('\n');
    }
    if (pending.length > maxLineBytes) {
      throw new WharfError('RESOURCE_EXHAUSTED', `A stream message is larger than the client's limit of ${maxLineBytes} bytes`);
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== '') yield parseLine(pending);
}
