import type { TransportObserver } from './transport.js';

type Hook = keyof TransportObserver;
const HOOKS: readonly Hook[] = [
  'requestRefused',
  'eventReceived',
  'eventDuplicate',
  'eventRetried',
  'eventDeadLettered',
  'reconnected',
];

function noop(): void {}

/**
 * One observer with every hook present, calling each of `observers` that has it: transports call
 * hooks without checking, and a hook nobody listens to is a no-op. A throwing observer is
 * ignored, so metrics can never break message handling.
 */
export function combineObservers(observers: readonly TransportObserver[]): Required<TransportObserver> {
  const combined: Record<string, (...args: never[]) => void> = {};
  for (const hook of HOOKS) {
    const listeners = observers.flatMap((o) => {
      const fn = o[hook] as ((...args: unknown[]) => void) | undefined;
      return fn === undefined ? [] : [fn.bind(o)];
    });
    combined[hook] =
      listeners.length === 0
        ? noop
        : (...args: unknown[]) => {
            for (const listener of listeners) {
              try {
                listener(...args);
              } catch {
                // An observer's failure is its own; the transport's work goes on.
              }
            }
          };
  }
  return combined as unknown as Required<TransportObserver>;
}
