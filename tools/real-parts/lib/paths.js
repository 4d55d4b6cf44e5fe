// Where the real parts keep their files: one scratch directory for data and logs (thrown away
// freely), one cache directory for downloads and builds (kept, so the second run is fast).
import { mkdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of this tool (`tools/real-parts`). */
export const TOOL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Data, logs and pid files of every service: `$WHARF_SERVICES_DIR`, default `<tmp>/wharf-services`. */
export const STATE_DIR = resolve(process.env.WHARF_SERVICES_DIR || join(tmpdir(), 'wharf-services'));

/** Downloads and builds (Kafka's jars, the Eureka server, Jaeger): `$WHARF_SERVICES_CACHE`, default `~/.cache/wharf-services`. */
export const CACHE_DIR = resolve(process.env.WHARF_SERVICES_CACHE || join(homedir(), '.cache', 'wharf-services'));

/** The folders of one service, created on first use. */
export function serviceDirs(name) {
  const root = join(STATE_DIR, name);
  const dirs = { root, data: join(root, 'data'), log: join(root, 'log') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return dirs;
}

/** The log directory of a service (not created): what a failing test points to. */
export function logDir(name) {
  return join(STATE_DIR, name, 'log');
}
