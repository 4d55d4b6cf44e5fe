// Jaeger, built from the Go module proxy (`go get -tool` in a scratch module, then `go build`)
// into the cache, and run all-in-one with in-memory storage on loopback.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cached, seconds } from '../lib/install.js';
import { CACHE_DIR, serviceDirs } from '../lib/paths.js';
import { has, run, startDaemon, stopDaemon } from '../lib/proc.js';
import { probeJaeger } from '../probes/others.js';

/** @typedef {import('./part.js').Part} Part */

const JAEGER = 'github.com/jaegertracing/jaeger/cmd/jaeger';
const JAEGER_VERSION = 'v1.76.0';
const jaegerBin = () => join(CACHE_DIR, `jaeger-${JAEGER_VERSION}`, 'jaeger');

/** @type {Part} */
export const jaeger = {
  name: 'jaeger',
  title: 'Jaeger',
  purpose: 'a real trace backend: receives OTLP on 127.0.0.1:4317 (gRPC) and :4318 (HTTP), queried on :16686',
  env: 'JAEGER_URL',
  defaultUrl: 'http://127.0.0.1:16686',
  // Go itself is not taken from Debian (too old to build Jaeger): it must be on the PATH.
  packages: [],
  probe: probeJaeger,
  startTimeoutMs: 30_000,
  logFile: 'jaeger.log',
  async prepare(say) {
    if (existsSync(jaegerBin())) return;
    if (!has('go')) throw new Error('Jaeger is built from source and needs Go ≥ 1.24 on the PATH (https://go.dev/dl)');
    const started = Date.now();
    say(`building Jaeger ${JAEGER_VERSION} from the Go module proxy (a few minutes, once)`);
    const log = join(serviceDirs('jaeger').log, 'install.log');
    await cached(join(jaegerBin(), '..'), async (tmp) => {
      const module = join(tmp, 'module');
      await run('mkdir', ['-p', module]);
      await run('go', ['mod', 'init', 'wharf.dev/services/jaeger'], { cwd: module, log });
      await run('go', ['get', '-tool', `${JAEGER}@${JAEGER_VERSION}`], { cwd: module, log });
      await run('go', ['build', '-trimpath', '-o', join(tmp, 'jaeger'), JAEGER], { cwd: module, log });
      await run('rm', ['-rf', module]);
    });
    say(`Jaeger built in ${seconds(started)}`);
  },
  async start() {
    const dirs = serviceDirs('jaeger');
    startDaemon({
      command: jaegerBin(),
      // The default configuration: all-in-one, memory storage, OTLP on 127.0.0.1:4317/4318;
      // only the query service defaults to every interface, so pin it to loopback.
      args: [
        '--set=extensions.jaeger_query.http.endpoint=127.0.0.1:16686',
        '--set=extensions.jaeger_query.grpc.endpoint=127.0.0.1:16685',
      ],
      cwd: dirs.data,
      logFile: join(dirs.log, 'jaeger.log'),
      pidFile: join(dirs.root, 'daemon.pid'),
    });
  },
  async stop() {
    return stopDaemon(join(serviceDirs('jaeger').root, 'daemon.pid'));
  },
};
