import { createConnection, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import {
  deadlineFromTimeout,
  IdleGate,
  type OutboundCall,
  type RpcEndpoint,
  stoppedCallError,
  type Transport,
  type TransportHost,
  toWharfError,
  WharfError,
  type WireError,
} from '@wharf/core/transport';

// Wire protocol: one JSON object per line, both ways.
//   request:  { "id": 1, "method": "greeter.greet@1", "input": {...}, "metadata": {...}, "timeoutMs": 900 }
//   response: { "id": 1, "output": {...} }   or   { "id": 1, "error": { "code", "message", "details" } }
interface Request {
  id: number;
  method: string;
  input: unknown;
  metadata: Record<string, string>;
  timeoutMs?: number;
}
type Response = { id: number; output: unknown } | { id: number; error: WireError };

/** Options of the example TCP transport. */
export interface TcpTransportOptions {
  readonly port?: number;
  readonly host?: string;
}

/** Newline-delimited JSON over TCP: unary calls only; a small, complete Wharf transport. */
export function tcpTransport(options: TcpTransportOptions = {}): Transport {
  const server = createServer();
  const sockets = new Set<Socket>();
  const inFlight = new IdleGate(); // requests being handled, for a graceful close
  const connections = new Map<string, Connection>();

  function serve(host: TransportHost, socket: Socket): void {
    const endpoints = new Map<string, RpcEndpoint>(host.rpcs.map((e) => [`${e.fullName}@${e.major}`, e]));
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const caller = new AbortController(); // aborts the requests of a caller that hung up
    socket.on('close', () => caller.abort());
    createInterface({ input: socket }).on('line', async (line) => {
      let request: Request;
      try {
        request = JSON.parse(line);
      } catch {
        return socket.destroy(); // not our protocol: drop the connection
      }
      const reply = (response: Response) => socket.writable && socket.write(`${JSON.stringify(response)}\n`);
      const endpoint = endpoints.get(request.method);
      if (endpoint === undefined || endpoint.stream !== 'unary') {
        const error = new WharfError('UNIMPLEMENTED', `${request.method} is not served over tcp`);
        return reply({ id: request.id, error: error.toWire() });
      }
      inFlight.enter();
      try {
        const output = await host.dispatch(endpoint, request.input, {
          transport: 'tcp',
          metadata: request.metadata ?? {},
          deadline: deadlineFromTimeout(request.timeoutMs),
          signal: caller.signal,
        });
        reply({ id: request.id, output });
      } catch (error) {
        reply({ id: request.id, error: toWharfError(error).toWire() });
      } finally {
        inFlight.leave();
      }
    });
  }

  return {
    name: 'tcp',

    async listen(host) {
      server.on('connection', (socket) => serve(host, socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
      });
      const { address, port } = server.address() as { address: string; port: number };
      return [`tcp://${address}:${port}`];
    },

    call(call) {
      let connection = connections.get(call.address);
      if (connection === undefined || connection.closed) {
        connection = new Connection(call.address);
        connections.set(call.address, connection);
      }
      return connection.send(call);
    },

    async close(signal) {
      server.close(); // stop accepting connections
      await inFlight.idle(signal); // let requests finish, until the drain time is over
      // At the end of the drain time the app answers what still runs with UNAVAILABLE, in the same
      // abort; let those answers be written (a turn of the event loop) before cutting the sockets.
      if (signal.aborted) await new Promise((resolve) => setImmediate(resolve));
      for (const socket of sockets) socket.destroy();
      for (const connection of connections.values()) connection.close();
    },
  };
}

/** One client connection: requests multiplexed by id, each bounded by its deadline. */
class Connection {
  closed = false;
  readonly #socket: Socket;
  readonly #pending = new Map<number, (response: Response) => void>();
  #nextId = 0;

  constructor(address: string) {
    const { hostname, port } = new URL(address);
    this.#socket = createConnection({ host: hostname, port: Number(port), noDelay: true });
    this.#socket.on('error', () => this.close());
    this.#socket.on('close', () => this.close());
    createInterface({ input: this.#socket }).on('line', (line) => {
      const response = JSON.parse(line) as Response;
      this.#pending.get(response.id)?.(response);
    });
  }

  send(call: OutboundCall): Promise<unknown> {
    const id = ++this.#nextId;
    const timeoutMs = call.deadline === undefined ? undefined : call.deadline - Date.now();
    const request: Request = {
      id,
      method: `${call.ref.fullName}@${call.ref.major}`,
      input: call.input,
      metadata: { ...call.metadata },
      timeoutMs,
    };
    return new Promise((resolve, reject) => {
      let unlink: (() => void) | undefined;
      const finish = (settle: () => void) => {
        this.#pending.delete(id);
        clearTimeout(timer);
        unlink?.();
        settle();
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => finish(() => reject(new WharfError('DEADLINE_EXCEEDED', `No answer within ${timeoutMs} ms`))),
              timeoutMs,
            );
      this.#pending.set(id, (response) =>
        finish(() => ('error' in response ? reject(WharfError.fromWire(response.error)) : resolve(response.output))),
      );
      // DEADLINE_EXCEEDED when the caller stopped for a deadline (a calling handler's), else CANCELLED.
      // It runs at once if the caller already has: then nothing is sent.
      unlink = call.onCancel((reason) => finish(() => reject(stoppedCallError(reason, call.deadline, call.ref.fullName))));
      if (this.#pending.has(id)) this.#socket.write(`${JSON.stringify(request)}\n`);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#socket.destroy();
    for (const settle of this.#pending.values()) {
      settle({ id: 0, error: { code: 'UNAVAILABLE', message: 'The connection closed before the answer came' } });
    }
  }
}
