// Readable log lines for a person at a terminal; JSON stays the format for everything else.
import type { DestinationStream } from 'pino';

const LEVEL_NAMES: Record<number, [string, string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

/** Formats one pino JSON line: `12:03:04.123 INFO  greeter: message key=value …`, coloured when `colour`. */
export function prettyLine(line: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const [label, code] = LEVEL_NAMES[record.level as number] ?? ['LOG  ', ''];
  const paint = (text: string, c: string) => (colour && c !== '' ? `${c}${text}\x1b[0m` : text);
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now()).toISOString().slice(11, 23);
  const extras = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => {
      if (key === 'err' && typeof value === 'object' && value !== null) {
        const e = value as { message?: string; stack?: string; code?: string };
        return `\n  ${paint(e.stack ?? `${e.code ?? 'Error'}: ${e.message ?? ''}`, '\x1b[31m')}`;
      }
      return `${paint(key, '\x1b[90m')}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
    });
  const name = typeof record.name === 'string' ? `${record.name}: ` : '';
  return `${paint(time, '\x1b[90m')} ${paint(label, code)} ${name}${record.msg ?? ''}${extras.length ? ` ${extras.join(' ')}` : ''}\n`;
}

/** A pino destination writing pretty lines to stdout. */
export function prettyDestination(out: NodeJS.WriteStream = process.stdout): DestinationStream {
  const colour = out.isTTY === true && process.env.NO_COLOR === undefined;
  return { write: (line: string) => void out.write(prettyLine(line, colour)) };
}
