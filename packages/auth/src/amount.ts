/** A numeric setting, checked at start-up: NaN or a string (an unparsed env var) would refuse every token or lift a limit. */
export function amount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `auth: \`${name}\` must be a finite number ≥ 0; got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    );
  }
  return value;
}
