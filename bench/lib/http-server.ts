// Child process: starts one HTTP benchmark target and reports its CPU time on request.
// Usage (forked by bench/http): node http-server.js <target> <log file>
import { startTarget, TARGETS } from './http-targets.js';
import { serveTarget } from './target-process.js';

await serveTarget(TARGETS, startTarget);
