import { WharfError } from '@wharf/core';

/**
 * The broker's answers that no retry can change: wrong credentials (403 ACCESS-REFUSED) and a
 * virtual host that does not exist or is not allowed (530 NOT-ALLOWED, which amqplib reports as
 * a ConnectionClose during the handshake). Anything else (refused socket, timeout, a broker
 * starting) is worth retrying.
 */
export function refusalOf(error: unknown, url: string): WharfError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (/\b403\b|ACCESS[-_]REFUSED/.test(message)) {
    return new WharfError(
      'UNAUTHENTICATED',
      `RabbitMQ at ${url} refused the user name or password (ACCESS_REFUSED); retrying cannot help. ` +
        'Check the credentials in the broker URL (amqpTransport({ url }) or WHARF_AMQP_URL).',
    );
  }
  if (/\b530\b|NOT[-_]ALLOWED|Expected ConnectionOpenOk; got <ConnectionClose/.test(message)) {
    return new WharfError(
      'PERMISSION_DENIED',
      `RabbitMQ at ${url} refused the virtual host (it does not exist, or this user may not use it); retrying cannot help. ` +
        "Check the path of the broker URL (amqpTransport({ url }) or WHARF_AMQP_URL) and the user's permissions.",
    );
  }
  return undefined;
}
