import { stoppedCallError, WharfError } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';

describe('stoppedCallError', () => {
  it('is DEADLINE_EXCEEDED when the reason is a deadline, or the deadline has passed', () => {
    const deadline = new AbortController();
    deadline.abort(new WharfError('DEADLINE_EXCEEDED', 'handler deadline'));
    expect(stoppedCallError(deadline.signal.reason, undefined, 'a.b').code).toBe('DEADLINE_EXCEEDED');
    const cancelled = new AbortController();
    cancelled.abort(new WharfError('CANCELLED', 'caller left'));
    expect(stoppedCallError(cancelled.signal.reason, Date.now() - 1, 'a.b').code).toBe('DEADLINE_EXCEEDED');
  });

  it('is CANCELLED otherwise, naming the call', () => {
    const controller = new AbortController();
    controller.abort();
    const error = stoppedCallError(controller.signal.reason, Date.now() + 60_000, 'greeter.greet');
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain('greeter.greet');
    expect(stoppedCallError(undefined, undefined, 'a.b').code).toBe('CANCELLED');
  });
});
