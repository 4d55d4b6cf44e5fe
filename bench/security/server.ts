// Child process: starts one security-bench target and reports its CPU time on request.
// Usage (forked by bench/security): node server.js <target> <log file>; BACKEND_URL for the proxies.
import { serveTarget } from '../lib/target-process.js';
import { startTarget, TARGETS } from './targets.js';

await serveTarget(TARGETS, startTarget);
