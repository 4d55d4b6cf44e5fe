// Child process: starts one gRPC benchmark target and reports its CPU time on request.
// Usage (forked by bench/grpc): node grpc-server.js <target> <log file>
import { startTarget, TARGETS } from './grpc-targets.js';
import { serveTarget } from './target-process.js';

await serveTarget(TARGETS, startTarget);
