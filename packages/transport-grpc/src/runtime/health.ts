// The standard health checking protocol (grpc.health.v1.Health), via grpc-health-check, tied to
// the app's readiness: SERVING while the app is ready, NOT_SERVING while starting and draining.
import type { Server, ServerWritableStream } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

type Implementation = Parameters<Server['addService']>[1];

/** Health statuses for the whole server (`""`) and for each served service. */
export class Health {
  readonly #impl = new HealthImplementation();
  readonly #services: readonly string[];
  readonly #watches = new Set<ServerWritableStream<unknown, unknown>>();
  #serving: boolean | undefined;

  constructor(services: readonly string[]) {
    this.#services = ['', ...services];
    this.set(false);
  }

  addTo(server: Server): void {
    const watches = this.#watches;
    this.#impl.addToServer({
      addService(definition, implementation) {
        // Watch streams never end by themselves; tracked so that shutdown can end them instead
        // of waiting for its drain time.
        const watch = implementation.watch as (call: ServerWritableStream<unknown, unknown>) => void;
        const wrapped: Implementation = {
          ...implementation,
          watch(call: ServerWritableStream<unknown, unknown>) {
            watches.add(call);
            call.on('close', () => watches.delete(call));
            call.on('cancelled', () => watches.delete(call));
            watch(call);
          },
        };
        server.addService(definition as Parameters<Server['addService']>[0], wrapped);
      },
    });
  }

  set(serving: boolean): void {
    if (serving === this.#serving) return;
    this.#serving = serving;
    for (const service of this.#services) this.#impl.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING');
  }

  /** Ends every Watch stream with UNAVAILABLE, after telling it NOT_SERVING. */
  endWatches(): void {
    this.set(false);
    for (const call of this.#watches) {
      call.emit('error', { code: status.UNAVAILABLE, details: 'The server is shutting down' });
    }
    this.#watches.clear();
  }
}
