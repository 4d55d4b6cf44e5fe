// Child process: starts one observability benchmark target and reports its CPU time on request.
import { serveTarget } from '../lib/target-process.js';
import { startTarget, TARGETS } from './targets.js';

await serveTarget(TARGETS, startTarget);
