import type { OrderStatus, OrderView } from '@wharf/shop-contracts';

interface Line {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
}

/** What happened to an order: its stream, the only state it has. */
export type OrderEvent =
  | { type: 'OrderPlaced'; customer: string; requestId: string; lines: Line[]; total: number; shipTo: string; at: number }
  | { type: 'StockReserved'; expiresAt: number; at: number }
  | { type: 'StockRejected'; reason: string; at: number }
  | { type: 'PaymentCaptured'; paymentId: string; at: number }
  | { type: 'PaymentFailed'; reason: string; at: number }
  | { type: 'CancelRequested'; reason: string; at: number }
  | { type: 'OrderConfirmed'; at: number }
  | { type: 'OrderCancelled'; reason: string; at: number };

/** An order as its events leave it: the read model's row, plus the owner. */
export interface OrderState extends OrderView {
  readonly customer: string;
}

const STATUS_AFTER: Readonly<Record<OrderEvent['type'], OrderStatus>> = {
  OrderPlaced: 'PLACED',
  StockReserved: 'RESERVED',
  StockRejected: 'CANCELLING',
  PaymentCaptured: 'PAID',
  PaymentFailed: 'CANCELLING',
  CancelRequested: 'CANCELLING',
  OrderConfirmed: 'CONFIRMED',
  OrderCancelled: 'CANCELLED',
};

/**
 * The one reducer: the live projection applies each new event to the stored row with it, and a
 * rebuild folds every stream from nothing with it — so the two can only differ if the stored rows
 * or the store do.
 */
export function apply(state: OrderState | undefined, event: OrderEvent, id: string): OrderState {
  if (event.type === 'OrderPlaced') {
    return {
      id,
      customer: event.customer,
      status: 'PLACED',
      lines: event.lines,
      total: event.total,
      shipTo: event.shipTo,
      reason: '',
      placedAt: event.at,
      updatedAt: event.at,
      version: 1,
    };
  }
  if (state === undefined) throw new Error(`Order ${id}: ${event.type} before OrderPlaced`);
  const reason = 'reason' in event ? event.reason : state.reason;
  return { ...state, status: STATUS_AFTER[event.type], reason, updatedAt: event.at, version: state.version + 1 };
}

/** Folds a whole stream. */
export function replay(id: string, events: readonly OrderEvent[]): OrderState | undefined {
  let state: OrderState | undefined;
  for (const event of events) state = apply(state, event, id);
  return state;
}
