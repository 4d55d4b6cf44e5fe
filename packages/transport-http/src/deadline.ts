import type { IncomingHttpHeaders } from 'node:http';
import { inboundDeadline as fromCarrier, MetadataKey, parseTimeout } from '@wharf/core/transport';

/** The caller's absolute deadline (epoch ms), sent beside the remaining time. */
export const DEADLINE_HEADER = MetadataKey.deadline;

/**
 * The deadline of an inbound request: `x-wharf-timeout-ms`, tightened to `x-wharf-deadline` when
 * the clocks evidently agree (core's `inboundDeadline`); the endpoint's default without either.
 */
export function inboundDeadline(headers: IncomingHttpHeaders, defaultTimeoutMs: number | undefined): number | undefined {
  const remaining = parseTimeout(headers[MetadataKey.timeout] as string | undefined);
  return fromCarrier(remaining, headers[DEADLINE_HEADER] as string | undefined, defaultTimeoutMs);
}
