import type { Admin } from '@platformatic/kafka';

interface Findable {
  findBy?(key: string, value: unknown): unknown;
}

/** True for Kafka's "topic already exists" answer, however deeply the client nests it. */
function alreadyExists(error: unknown): boolean {
  const found = (error as Findable)?.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS');
  return found !== undefined && found !== null;
}

/**
 * Creates the topics the transport needs, once each, with the configured partitions and
 * replication (a topic that exists is left as it is), and lists topics for wildcard patterns.
 */
export class Topics {
  readonly #admin: Admin;
  readonly #partitions: number;
  readonly #replicas: number;
  readonly #known = new Map<string, Promise<void>>();

  constructor(admin: Admin, partitions: number, replicas: number) {
    this.#admin = admin;
    this.#partitions = partitions;
    this.#replicas = replicas;
  }

  /** Resolves once `topic` exists; a failed attempt is forgotten, so the next call tries again. */
  ensure(topic: string): Promise<void> {
    let known = this.#known.get(topic);
    if (known === undefined) {
      known = this.#admin.createTopics({ topics: [topic], partitions: this.#partitions, replicas: this.#replicas }).then(
        () => undefined,
        (error: unknown) => {
          if (alreadyExists(error)) return;
          this.#known.delete(topic);
          throw error;
        },
      );
      this.#known.set(topic, known);
    }
    return known;
  }

  /** Every topic of the cluster (internal ones excluded). */
  list(): Promise<string[]> {
    return this.#admin.listTopics({ includeInternals: false });
  }
}
