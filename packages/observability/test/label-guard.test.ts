// Labels fed by something other than a declaration are bounded: past the limit, `_other`.
import { createApp } from '@wharf/core';
import { observability, type WharfMetrics } from '@wharf/observability';
import { describe, expect, it } from 'vitest';
import { sample } from './samples.js';

describe('bounded labels', () => {
  it('counts events emitted under computed names past the limit as _other', async () => {
    const obs = observability({ metrics: { runtime: false, maxLabelValues: 3 }, tracing: false, logs: false });
    const app = createApp({ ...obs.app, name: 'emitter', logger: { level: 'silent' }, shutdown: { signals: false } });
    for (let i = 0; i < 50; i++) await app.emit(`user.signed.u${i}`, { i });
    const body = (await (obs.metrics as WharfMetrics).expose()).body;
    const published = body.split('\n').filter((l) => l.startsWith('wharf_events_published_total{'));
    expect(published).toHaveLength(4);
    expect(sample(body, 'wharf_events_published_total', { event: '_other', code: 'OK' })).toBe(47);
    expect(sample(body, 'wharf_events_published_total', { event: 'user.signed.u0' })).toBe(1);
  });

  it('bounds what resilience events report', async () => {
    const obs = observability({ metrics: { runtime: false, maxLabelValues: 2 }, tracing: false, logs: false });
    for (let i = 0; i < 20; i++) obs.resilience.retried({ service: `svc${i}`, method: 'm' });
    obs.resilience.breakerStateChanged({ service: 'svc0', to: 'open' });
    const body = (await (obs.metrics as WharfMetrics).expose()).body;
    expect(sample(body, 'wharf_client_retries_total', { service: '_other' })).toBe(18);
    expect(sample(body, 'wharf_breaker_state', { service: 'svc0', state: 'open' })).toBe(1);
    expect(sample(body, 'wharf_breaker_state', { service: 'svc0', state: 'closed' })).toBe(0);
    expect(sample(body, 'wharf_breaker_transitions_total', { service: 'svc0', state: 'open' })).toBe(1);
  });

  it('counts the breakers of a service in each state', async () => {
    const obs = observability({ metrics: { runtime: false }, tracing: false, logs: false });
    const change = (breaker: string, to: 'open' | 'halfOpen' | 'closed') =>
      obs.resilience.breakerStateChanged({ service: 'orders', breaker, to });
    change('place @ a', 'open');
    change('place @ b', 'open');
    change('place @ a', 'halfOpen');
    change('place @ a', 'closed');
    const body = (await (obs.metrics as WharfMetrics).expose()).body;
    const state = (s: string) => sample(body, 'wharf_breaker_state', { service: 'orders', state: s });
    expect([state('open'), state('half_open'), state('closed')]).toEqual([1, 0, 1]);
    expect(sample(body, 'wharf_breaker_transitions_total', { service: 'orders', state: 'open' })).toBe(2);
  });
});
