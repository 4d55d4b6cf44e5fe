import { acceptRequestId, DEADLINE_SKEW_TOLERANCE_MS, inboundDeadline, parseTimeout, propagate } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';

describe('metadata helpers', () => {
  it('propagates identity and trace context, not arbitrary headers; explicit metadata wins', () => {
    const inbound = {
      'x-request-id': 'r1',
      traceparent: 't',
      tracestate: 's',
      baggage: 'b',
      authorization: 'Bearer x',
      cookie: 'secret',
      'x-custom': 'c',
    };
    expect(propagate(inbound)).toEqual({
      'x-request-id': 'r1',
      traceparent: 't',
      tracestate: 's',
      baggage: 'b',
      authorization: 'Bearer x',
    });
    expect(propagate(inbound, { 'X-Custom': 'mine', authorization: 'Bearer y' })).toMatchObject({
      'x-custom': 'mine',
      authorization: 'Bearer y',
    });
  });

  it('accepts sane request ids only', () => {
    expect(acceptRequestId('abc-123_x.y:z@w/+=')).toBe('abc-123_x.y:z@w/+=');
    for (const bad of ['', 'a b', 'é', 'x'.repeat(129), 'line\nbreak', undefined]) expect(acceptRequestId(bad)).not.toBe(bad);
  });

  it('parses remaining time headers', () => {
    expect(parseTimeout('250')).toBe(250);
    expect(parseTimeout('0')).toBe(0);
    for (const bad of ['-1', 'soon', 'NaN', 'Infinity', undefined]) expect(parseTimeout(bad)).toBeUndefined();
  });

  it('tightens the deadline to the absolute one when the clocks agree, and ignores it as skew otherwise', () => {
    const now = 1_000_000;
    // In transit for 3 ms: remaining says now + 997, the caller's own deadline was now + 994.
    expect(inboundDeadline(997, now + 994, undefined, now)).toBe(now + 994);
    // Absolute later than remaining: the caller's clock is ahead; remaining is the safe answer.
    expect(inboundDeadline(1_000, now + 5_000, undefined, now)).toBe(now + 1_000);
    // Absolute far earlier: clock skew, not transit; ignored.
    expect(inboundDeadline(1_000, now + 1_000 - DEADLINE_SKEW_TOLERANCE_MS - 1, undefined, now)).toBe(now + 1_000);
    expect(inboundDeadline(1_000, 'garbage', undefined, now)).toBe(now + 1_000);
    expect(inboundDeadline(undefined, now + 10, 30_000, now)).toBe(now + 30_000);
    expect(inboundDeadline(undefined, undefined, undefined, now)).toBeUndefined();
  });
});
