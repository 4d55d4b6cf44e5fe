// Child process: runs autocannon once and sends the summary to the parent.
// The load generator gets its own process (and core) so it does not share the server's event loop.
import { createRequire } from 'node:module';

/** What the parent asks for. */
export interface LoadRequest {
  readonly url: string;
  readonly method: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly duration: number;
}

/** What the parent gets back. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly total: number;
  readonly p99: number;
  readonly p50: number;
  readonly non2xx: number;
  readonly errors: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; p50: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

process.once('message', async (request: LoadRequest) => {
  const result = await autocannon({ ...request, pipelining: 1 });
  const summary: LoadResult = {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    p99: result.latency.p99,
    p50: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  process.send?.(summary, () => process.exit(0));
});
