import type { Deduplicator, EventEndpoint, Logger, RetryPolicy, TransportHost, WireError } from '@wharf/core/transport';
import { MAX_TIMER_MS, matchTopic, toWharfError, WharfError } from '@wharf/core/transport';
import { deadLetterHeaders, retryHeaders } from './copies.js';
import { intHeader, metadataFromHeaders } from './headers.js';
import { type Inspection, inspectRecord } from './inspect.js';
import { Header, type KafkaNames } from './names.js';
import type { InRecord } from './partition-work.js';
import type { OutRecord, Publisher } from './publisher.js';
import type { KafkaStats } from './stats.js';

/** What the handlers of one service need to run deliveries. */
export interface DeliveryOptions {
  readonly service: string;
  readonly endpoints: readonly EventEndpoint[];
  readonly host: TransportHost;
  readonly names: KafkaNames;
  readonly policy: RetryPolicy;
  readonly dedupe: Deduplicator | undefined;
  readonly publisher: Publisher;
  readonly handlerTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly stats: KafkaStats;
  readonly logger: () => Logger;
  /** Aborts when the transport starts closing: retries not yet due are left for the next owner. */
  readonly stopping: AbortSignal;
  /** Aborts when the drain time is over: failure copies the broker has not acknowledged give up. */
  readonly drained: AbortSignal;
}

const COPY_RETRY_MS = 1_000;

/** How a failure copy went: acknowledged, given up (the transport stopped), or refused for its size for good. */
type Copied = 'written' | 'stopped' | 'too large';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    // One timer waits at most MAX_TIMER_MS (a longer one fires at once): a far due time is waited in steps.
    const until = Date.now() + ms;
    let timer = setTimeout(step, Math.min(ms, MAX_TIMER_MS));
    function step() {
      const left = until - Date.now();
      if (left > 0) timer = setTimeout(step, Math.min(left, MAX_TIMER_MS));
      else done();
    }
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs one service's event handlers on records: every handler whose pattern matches runs once
 * (deduplicated by `<service>.<handler>:<event id>`); a failure is copied to the retry topic of
 * its step, and after the last attempt — or at once for a record that can never succeed — to the
 * service's dead-letter topic with the reason in headers. A record is done (its offset may be
 * committed) only when every handler succeeded or its copy was acknowledged.
 */
export class Delivery {
  readonly #options: DeliveryOptions;
  readonly #byName: Map<string, EventEndpoint>;
  /** The handlers each event name matches, worked out once per name (bounded by the names a service sees). */
  readonly #matching = new Map<string, readonly EventEndpoint[]>();
  /** Keys being handled here, so a duplicate delivered alongside its original waits for it. */
  readonly #running = new Map<string, Promise<boolean>>();

  constructor(options: DeliveryOptions) {
    this.#options = options;
    this.#byName = new Map(options.endpoints.map((e) => [e.fullName, e]));
  }

  /** A record from an event topic. */
  async event(record: InRecord): Promise<boolean> {
    this.#options.stats.delivered++;
    const inspection = inspectRecord(record, this.#options.names, this.#options.maxMessageBytes, true);
    const name = inspection.name;
    const handlers = name === undefined ? [] : this.#handlersOf(name);
    if (!inspection.ok) {
      const targets = handlers.length > 0 ? handlers.map((h) => h.fullName) : [this.#options.service];
      const copies = await Promise.all(targets.map((h) => this.#deadLetter(record, name, h, inspection.reason, 1)));
      return copies.every(Boolean);
    }
    if (handlers.length === 0) {
      const reason: WireError = {
        code: 'UNIMPLEMENTED',
        message: `Event ${name} in topic ${record.topic} matches no handler of ${this.#options.service}`,
      };
      return this.#deadLetter(record, name, this.#options.service, reason, 1);
    }
    if (handlers.length === 1) return this.#run(handlers[0] as EventEndpoint, record, inspection, 1);
    const results = await Promise.all(handlers.map((h) => this.#run(h, record, inspection, 1)));
    return results.every(Boolean);
  }

  #handlersOf(name: string): readonly EventEndpoint[] {
    let handlers = this.#matching.get(name);
    if (handlers === undefined) {
      handlers = this.#options.endpoints.filter((e) => matchTopic(e.pattern, name));
      if (this.#matching.size < 10_000) this.#matching.set(name, handlers);
    }
    return handlers;
  }

  /** A record from a retry topic: waits until it is due, then runs the one handler it names. */
  async retry(record: InRecord): Promise<boolean> {
    const { stopping } = this.#options;
    const due = intHeader(record.headers, Header.notBefore) ?? 0;
    await sleep(due - Date.now(), stopping);
    if (stopping.aborted) return false;
    this.#options.stats.delivered++;
    const inspection = inspectRecord(record, this.#options.names, this.#options.maxMessageBytes);
    const handlerName = record.headers.get(Header.handler);
    const handler = handlerName === undefined ? undefined : this.#byName.get(handlerName);
    const attempt = Math.max(1, intHeader(record.headers, Header.attempt) ?? 1);
    if (handler === undefined) {
      const reason: WireError = {
        code: 'UNIMPLEMENTED',
        message: `The retry names handler ${JSON.stringify(handlerName)}, which ${this.#options.service} does not have (renamed?)`,
      };
      return this.#deadLetter(record, inspection.name, handlerName ?? this.#options.service, reason, attempt);
    }
    if (!inspection.ok) return this.#deadLetter(record, inspection.name, handler.fullName, inspection.reason, attempt);
    return this.#run(handler, record, inspection, attempt);
  }

  async #run(
    endpoint: EventEndpoint,
    record: InRecord,
    inspection: Extract<Inspection, { ok: true }>,
    attempt: number,
  ): Promise<boolean> {
    const key = `${endpoint.fullName}:${inspection.id}`;
    for (let prior = this.#running.get(key); prior !== undefined; prior = this.#running.get(key)) await prior;
    const work = this.#attempt(endpoint, record, inspection, attempt, key);
    this.#running.set(key, work);
    try {
      return await work;
    } finally {
      if (this.#running.get(key) === work) this.#running.delete(key);
    }
  }

  async #attempt(
    endpoint: EventEndpoint,
    record: InRecord,
    inspection: Extract<Inspection, { ok: true }>,
    attempt: number,
    key: string,
  ): Promise<boolean> {
    const { dedupe, stats } = this.#options;
    const { id, name, payload } = inspection;
    const info = { id, event: name, handler: endpoint.fullName };
    try {
      // The in-memory deduplicator answers at once: no await (a promise hop per event) for it.
      const seen = dedupe?.seen(key, info);
      if (seen === true || (seen !== undefined && seen !== false && (await seen))) {
        stats.duplicates++;
        return true;
      }
      await this.#options.host.dispatch(endpoint, payload, {
        transport: 'kafka',
        metadata: metadataFromHeaders(record.headers),
        deadline: Date.now() + this.#options.handlerTimeoutMs,
        signal: undefined,
        event: {
          id,
          name,
          emitter: record.headers.get(Header.source),
          timestamp: intHeader(record.headers, Header.timestampMs) ?? timeOf(record.headers.get(Header.time)),
          attempt,
        },
      });
      const remembered = dedupe?.remember(key, info);
      if (remembered !== undefined) await remembered;
      stats.handled++;
      return true;
    } catch (thrown) {
      const error = toWharfError(thrown).toWire();
      const { policy } = this.#options;
      if (policy.deadLetterCodes.has(error.code) || attempt >= policy.maxAttempts) {
        return this.#deadLetter(record, name, endpoint.fullName, error, attempt);
      }
      const delay = policy.delays[attempt - 1] ?? policy.delays[policy.delays.length - 1] ?? 0;
      const copy: OutRecord = {
        topic: this.#options.names.retryTopic(this.#options.service, attempt),
        key: record.key,
        value: record.value ?? Buffer.alloc(0),
        headers: retryHeaders(record, name, endpoint.fullName, attempt + 1, Date.now() + delay, error),
      };
      const copied = await this.#copy(copy, `retry of event ${name}`);
      // A copy the broker refuses for its size can never be retried: dead-letter the event instead.
      if (copied === 'too large') return this.#deadLetter(record, name, endpoint.fullName, error, attempt);
      if (copied === 'stopped') return false;
      stats.retried++;
      this.#options
        .logger()
        .info(
          { handler: endpoint.fullName, event: name, eventId: id, attempt, retryInMs: delay, err: error },
          'An event handler failed; retrying after a delay',
        );
      return true;
    }
  }

  async #deadLetter(
    record: InRecord,
    name: string | undefined,
    handler: string,
    reason: WireError,
    attempts: number,
  ): Promise<boolean> {
    const copy: OutRecord = {
      topic: this.#options.names.deadLetterTopic(this.#options.service),
      key: record.key,
      value: record.value ?? Buffer.alloc(0),
      headers: deadLetterHeaders(record, name, handler, reason, attempts),
    };
    const what = `dead letter of ${name ?? 'an event'}`;
    let copied = await this.#copy(copy, what);
    if (copied === 'too large') {
      // The reason and source headers pushed a record that fit the broker over its limit. Retrying
      // would hold the partition's commits back for good: the dead letter goes without the value,
      // and says where the original still is (until the source topic's retention removes it).
      const where = `${record.topic} partition ${record.partition} offset ${record.offset}`;
      const slim: WireError = {
        code: reason.code,
        message: `${reason.message} (the value, ${copy.value.length} bytes, is too large for the dead-letter topic and is left out: read it from ${where})`,
      };
      copied = await this.#copy(
        { ...copy, value: Buffer.alloc(0), headers: deadLetterHeaders(record, name, handler, slim, attempts) },
        what,
      );
    }
    if (copied !== 'written') return false;
    this.#options.stats.deadLettered++;
    this.#options
      .logger()
      .warn(
        { handler, event: name, eventId: record.headers.get(Header.id), attempts, err: reason },
        `Dead-lettered an event: ${reason.code}: ${reason.message}`,
      );
    return true;
  }

  /**
   * Publishes a failure copy, trying again every second until the broker acknowledges it: the
   * record's offset must not be committed before its copy is safe. `stopped` when the transport
   * stopped first (the record stays uncommitted and comes again); `too large` when the broker
   * refused the copy for its size (INVALID_ARGUMENT from the publisher), which no retry changes.
   */
  async #copy(copy: OutRecord, what: string): Promise<Copied> {
    const { publisher, drained, publishTimeoutMs } = this.#options;
    for (let tries = 0; ; tries++) {
      try {
        await publisher.publish(copy, Date.now() + publishTimeoutMs, what);
        return 'written';
      } catch (error) {
        if (WharfError.is(error) && error.code === 'INVALID_ARGUMENT') return 'too large';
        if (drained.aborted) return 'stopped';
        if (tries % 10 === 0)
          this.#options.logger().warn({ err: error, topic: copy.topic }, `Cannot publish the ${what}; trying again`);
        await sleep(COPY_RETRY_MS, drained);
        if (drained.aborted) return 'stopped';
      }
    }
  }
}

function timeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
