import { Counter, Gauge, type RegistryContentType, type Registry as TypedRegistry } from 'prom-client';

/** A prom-client registry of either exposition format. */
export type Registry = TypedRegistry<RegistryContentType>;

/** Label values of one series, in the family's label order. */
export type Labels = Readonly<Record<string, string>>;

/** One counter or gauge series: the hot path changes `value`; prom-client reads it at scrape time. */
export class NumberSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
}

export type CounterSeries = NumberSeries;
export type GaugeSeries = NumberSeries;

/** One histogram series: counts per bucket (not cumulative), their sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

/** What every family shares: name, help, label names, series by key. */
abstract class Family<S extends { readonly labels: Labels }> {
  readonly #series = new Map<string, S>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /**
   * The series for `labels`, created on first use. Callers cache what this returns (per endpoint,
   * per transport): a request only touches numbers, never a label hash.
   */
  series(labels: Labels): S {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.create(labels);
      this.#series.set(key, series);
    }
    return series;
  }

  /** Every series so far. */
  all(): IterableIterator<S> {
    return this.#series.values();
  }

  /** How many series this family exports. */
  get size(): number {
    return this.#series.size;
  }

  protected abstract create(labels: Labels): S;
  /** Registers a prom-client metric reading this family in `registry`. */
  abstract register(registry: Registry): void;
}

/**
 * A counter whose hot path is `series.value++`. prom-client's own `inc(labels)` hashes the labels
 * on every call (~0.5–1 µs here); this family hands out series objects once and lets prom-client
 * copy the totals when it is scraped. Each registry (text, OpenMetrics) gets its own prom-client
 * Counter: prom-client renames a counter in place when it writes OpenMetrics, so one object
 * cannot serve both.
 */
export class CounterFamily extends Family<CounterSeries> {
  protected create(labels: Labels): CounterSeries {
    return new NumberSeries(labels);
  }

  register(registry: Registry): void {
    readAtScrape(this, registry, Counter, (metric, s) => metric.inc(s.labels, s.value));
  }
}

/** Registers a prom-client `Kind` in `registry` that is refilled from `family` on every scrape. */
function readAtScrape<S extends { readonly labels: Labels }, M extends Counter | Gauge>(
  family: Family<S>,
  registry: Registry,
  Kind: new (config: ConstructorParameters<typeof Counter>[0]) => M,
  write: (metric: M, series: S) => void,
): void {
  const metric: M = new Kind({
    name: family.name,
    help: family.help,
    labelNames: family.labelNames,
    registers: [registry],
    collect() {
      metric.reset();
      for (const s of family.all()) write(metric, s);
    },
  });
}

/** A gauge read at scrape time, like `CounterFamily`. */
export class GaugeFamily extends Family<GaugeSeries> {
  protected create(labels: Labels): GaugeSeries {
    return new NumberSeries(labels);
  }

  register(registry: Registry): void {
    readAtScrape(this, registry, Gauge, (metric, s) => metric.set(s.labels, s.value));
  }
}

/**
 * A histogram whose hot path is a bucket search and three additions. It registers itself as a
 * prom-client metric (the `get()` shape prom-client's own Histogram returns), so prom-client
 * writes both exposition formats.
 */
export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected create(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }

  register(registry: Registry): void {
    registry.registerMetric(this as never);
  }

  /** The samples, as prom-client's registry formats them. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: unknown[] }> {
    const values: unknown[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({ labels: { ...s.labels, le: this.bounds[i] }, value: cumulative, metricName: bucket });
      }
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: bucket });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
