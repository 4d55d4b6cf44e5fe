// Child process: starts one gRPC benchmark target and reports its CPU time on request.
// Usage (forked by bench/grpc): node grpc-server.js <target> <log file>
import { startTarget, TARGETS, type TargetName } from './grpc-targets.js';

const name = process.argv[2] as TargetName;
if (!TARGETS.includes(name)) throw new Error(`Unknown target ${name}; one of ${TARGETS.join(', ')}`);
const target = await startTarget(name, process.argv[3] ?? '/dev/null');
let base = process.cpuUsage();

process.on('message', (message: string) => {
  if (message === 'cpu-start') {
    base = process.cpuUsage();
    process.send?.({ type: 'cpu-started' });
  } else if (message === 'cpu-stop') {
    const used = process.cpuUsage(base);
    process.send?.({ type: 'cpu', micros: used.user + used.system });
  } else if (message === 'stop') {
    target.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', port: target.port });
