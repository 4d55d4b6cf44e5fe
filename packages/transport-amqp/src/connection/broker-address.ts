// The broker URL and the addresses instances register (`amqp://host:port/vhost?namespace=ns`).
// An AMQP transport talks to one broker (one URL); an instance registered on another broker, or in
// another vhost, is unreachable through it even though its address has the same `amqp://` scheme.
// The namespace does not decide reachability: it only prefixes queue names, and a caller reaches
// any namespace on its own broker and vhost.

/** A broker endpoint and vhost, normalised for comparison. */
export interface BrokerIdentity {
  /** Lower-case host name; every loopback name is `localhost`. */
  readonly host: string;
  readonly port: number;
  /** Decoded; `/` for the default vhost. */
  readonly vhost: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function normalHost(host: string): string {
  const lower = host.toLowerCase();
  return LOOPBACK.has(lower) ? 'localhost' : lower;
}

/** The broker and vhost of an `amqp://` or `amqps://` URL or address; undefined when it is neither. */
export function brokerOf(url: string): BrokerIdentity | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const secure = parsed.protocol === 'amqps:';
  if (!secure && parsed.protocol !== 'amqp:') return undefined;
  let vhost: string;
  try {
    vhost = decodeURIComponent(parsed.pathname.slice(1));
  } catch {
    return undefined;
  }
  return {
    host: normalHost(parsed.hostname),
    port: parsed.port === '' ? (secure ? 5671 : 5672) : Number(parsed.port),
    vhost: vhost === '' ? '/' : vhost,
  };
}

/** `host:port vhost`, for messages. */
export function describeBroker(broker: BrokerIdentity): string {
  return `${broker.host}:${broker.port} vhost ${broker.vhost}`;
}

/**
 * Tells whether a registered address names this transport's broker (its URL, or one of its
 * aliases: other names under which instances register the same broker) and vhost.
 */
export function brokerMatcher(url: string, aliases: readonly string[]): (address: string) => boolean {
  const own = brokerOf(url);
  const names = new Set<string>();
  if (own !== undefined) names.add(`${own.host}:${own.port}`);
  for (const alias of aliases) {
    const parsed = brokerOf(alias.includes('://') ? alias : `amqp://${alias}`);
    if (parsed !== undefined) names.add(`${parsed.host}:${parsed.port}`);
  }
  return (address) => {
    const target = brokerOf(address);
    return own !== undefined && target !== undefined && target.vhost === own.vhost && names.has(`${target.host}:${target.port}`);
  };
}

/** The address registered for this broker and namespace, without credentials, with an explicit port. */
export function addressOf(url: string, namespace: string | undefined): string {
  const parsed = new URL(url);
  const vhost = parsed.pathname === '' ? '/' : parsed.pathname;
  const port = parsed.port === '' ? (parsed.protocol === 'amqps:' ? '5671' : '5672') : parsed.port;
  const query = namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
  return `amqp://${parsed.hostname}:${port}${vhost}${query}`;
}

/** The namespace an address names (`amqp://host:5672/?namespace=staging`), if any. */
export function namespaceOf(address: string): string | undefined {
  const at = address.indexOf('?');
  if (at < 0) return undefined;
  return new URLSearchParams(address.slice(at + 1)).get('namespace') ?? undefined;
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable AMQP URL';
  }
}
