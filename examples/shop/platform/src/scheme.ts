/** The scheme of an address (`grpc://x` → `grpc`). */
export function schemeOf(address: string): string | undefined {
  const end = address.indexOf('://');
  return end > 0 ? address.slice(0, end) : undefined;
}
