// What a transport hands `dispatch` as `onCancel`, for tests that stand in for one: `cancel()` is
// the caller going away; `unsubscribed` counts the dispatcher's unsubscribes.
import type { InboundRequest } from '@wharf/core/transport';

export interface CancelHook {
  readonly onCancel: NonNullable<InboundRequest['onCancel']>;
  /** Cancels the request last dispatched with `onCancel`. */
  cancel(): void;
  readonly unsubscribed: number;
}

export function cancelHook(): CancelHook {
  let registered: (() => void) | undefined;
  let unsubscribed = 0;
  return {
    onCancel(cancel) {
      registered = cancel;
      return () => {
        unsubscribed++;
      };
    },
    cancel: () => registered?.(),
    get unsubscribed() {
      return unsubscribed;
    },
  };
}
