// Reads the services' own Prometheus metrics: mean time per call, by side, service and method.

/** `side/service.method` → { sum (seconds), count }. */
export type Durations = Map<string, { sum: number; count: number }>;

const LINE = /^wharf_(server|client)_request_duration_seconds_(sum|count)\{([^}]*)\} ([0-9.eE+-]+)$/;

/** Adds one /metrics page to `into`. */
export function readDurations(text: string, into: Durations): void {
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels = Object.fromEntries([...(m[3] as string).matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${m[1]}/${labels.service}.${labels.method}`;
    const entry = into.get(key) ?? { sum: 0, count: 0 };
    if (m[2] === 'sum') entry.sum += Number(m[4]);
    else entry.count += Number(m[4]);
    into.set(key, entry);
  }
}

/** Scrapes every admin port. */
export async function scrape(ports: readonly number[]): Promise<Durations> {
  const all: Durations = new Map();
  for (const port of ports) readDurations(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), all);
  return all;
}

/** Mean ms per call between two scrapes. */
export function meanMs(before: Durations, after: Durations, key: string): { ms: number; calls: number } {
  const a = after.get(key) ?? { sum: 0, count: 0 };
  const b = before.get(key) ?? { sum: 0, count: 0 };
  const calls = a.count - b.count;
  return { ms: calls > 0 ? ((a.sum - b.sum) / calls) * 1000 : Number.NaN, calls };
}
