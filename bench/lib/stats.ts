// Statistics helpers shared by the benchmarks.

/** The median of `values` (the upper one for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** `n` formatted with thousands separators and `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * The median of per-round ratios `a[i] / b[i]`: each round measured both back to back, so a slow
 * minute of a shared machine weighs on both sides of its own ratio rather than on one median.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(roundRatios(a, b));
}

/** Each round's own ratio `a[i] / b[i]`, in order. */
export function roundRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x / (b[i] ?? Number.NaN));
}
