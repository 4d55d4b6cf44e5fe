import { createApp, type TransportObserver } from '@wharf/core';
import type { Transport, TransportContext } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';

function probe(): { transport: Transport; context: () => TransportContext } {
  let seen: TransportContext | undefined;
  return {
    transport: {
      name: 'probe',
      attach(context) {
        seen = context;
      },
    },
    context: () => seen as TransportContext,
  };
}

describe('transport observers', () => {
  it('gives every transport one observer that fans out to each given one and survives a throwing one', () => {
    const calls: string[] = [];
    const first: TransportObserver = { requestRefused: (t, code) => calls.push(`first ${t} ${code}`) };
    const broken: TransportObserver = {
      requestRefused: () => {
        throw new Error('broken observer');
      },
    };
    const last: TransportObserver = { requestRefused: (t, code) => calls.push(`last ${t} ${code}`) };
    const { transport, context } = probe();
    createApp({ transports: [transport], observers: [first, broken, last], shutdown: { signals: false } });
    context().observer.requestRefused('probe', 'NOT_FOUND');
    expect(calls).toEqual(['first probe NOT_FOUND', 'last probe NOT_FOUND']);
    // Hooks nobody listens to are still callable.
    expect(() => context().observer.reconnected('probe')).not.toThrow();
  });

  it('builds the logger from the app identity when given a function', () => {
    let identity: { name: string; instanceId: string } | undefined;
    const app = createApp({
      name: 'named',
      logger: (app) => {
        identity = app;
        return createApp({ shutdown: { signals: false } }).logger.child({ instance: app.instanceId });
      },
      shutdown: { signals: false },
    });
    expect(identity).toEqual({ name: 'named', instanceId: app.instanceId });
    expect(app.instanceId).toMatch(/^named-[0-9a-f]{8}$/);
  });
});
