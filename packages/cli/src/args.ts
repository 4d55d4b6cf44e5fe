// Reading the command line's values: durations, headers, JSON input.

/** A usage mistake: printed with the usage text, exit status 2. */
export class UsageError extends Error {}

/** `2s`, `500ms`, `1m`, or a plain number of milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null) throw new UsageError(`Cannot read the duration ${JSON.stringify(text)}; write e.g. 500ms, 2s or 1m`);
  const value = Number(match[1]);
  return Math.round(match[2] === 's' ? value * 1000 : match[2] === 'm' ? value * 60_000 : value);
}

/** `k=v` pairs into lower-case metadata keys. */
export function parseHeaders(pairs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`Cannot read the header ${JSON.stringify(pair)}; write KEY=VALUE`);
    headers[pair.slice(0, at).trim().toLowerCase()] = pair.slice(at + 1);
  }
  return headers;
}

/** The input argument: JSON text (default `{}`). */
export function parseInput(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The input is not JSON: ${(error as Error).message}`);
  }
}

/** `greeter.greet` or `greeter.greet@2` into its parts. */
export function parseMethod(text: string | undefined): { service: string; method: string; major: number | undefined } {
  const match = text === undefined ? null : /^([a-z][a-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)(?:@(\d+))?$/.exec(text);
  if (match === null) throw new UsageError(`Name the method as SERVICE.METHOD, e.g. greeter.greet (got ${JSON.stringify(text)})`);
  return { service: match[1]!, method: match[2]!, major: match[3] === undefined ? undefined : Number(match[3]) };
}
