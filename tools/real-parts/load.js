// For load tests against a server in a child process: send at a steady rate, send SIGTERM mid-run,
// and keep sending until the process has exited (bounded by a time limit), as a client that does
// not know the server is stopping would.

/**
 * Calls `send(n)` for n = 0, 1, … at `rate` per second (in 10 ms ticks) from now; sends SIGTERM to
 * `child` after `sigtermAfterMs`; stops when `child` has exited, or after `maxMs` in any case.
 * @param {{ child: import('node:child_process').ChildProcess, rate: number, sigtermAfterMs: number, maxMs: number, send: (n: number) => void }} options
 * @returns {Promise<{ sent: number, exited: boolean, exitAfterSigtermMs: number }>}
 */
export function loadUntilExit({ child, rate, sigtermAfterMs, maxMs, send }) {
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  const started = Date.now();
  let sent = 0;
  let signalledAt = 0;
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const now = Date.now();
      const due = Math.floor(((now - started) / 1000) * rate);
      while (sent < due) send(sent++);
      if (signalledAt === 0 && now - started >= sigtermAfterMs) {
        signalledAt = now;
        child.kill('SIGTERM');
      }
      if (exited || now - started > maxMs) {
        clearInterval(tick);
        resolve({ sent, exited, exitAfterSigtermMs: now - signalledAt });
      }
    }, 10);
  });
}
