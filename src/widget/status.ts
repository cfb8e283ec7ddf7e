import type { DeliveryStatus, Message } from './types.js';

const RANK: Record<Exclude<DeliveryStatus, 'FAILED'>, number> = { PENDING: 0, SENT: 1, DELIVERED: 2, READ: 3 };

/**
 * A message's status after a report: forward only (events can arrive late or twice), FAILED only
 * from PENDING or SENT. `reopen`: a `message:status` event, the one thing that moves a FAILED message
 * on (the server retried it).
 */
export function advance(from: DeliveryStatus, to: DeliveryStatus, reopen = false): DeliveryStatus {
  if (to === 'FAILED') return from === 'PENDING' || from === 'SENT' ? 'FAILED' : from;
  if (from === 'FAILED') return reopen ? to : from;
  return RANK[to] > RANK[from] ? to : from;
}

/** Why a message failed, as the server recorded it (metadata.error), for "failed: <reason>". */
function failureReason(message: Message): string {
  const error = message.metadata.error as { message?: unknown } | undefined;
  return typeof error?.message === 'string' && error.message ? error.message : 'not delivered';
}

/** What the end user sees under a message of their own: the server has it once it exists there, so PENDING reads "sent". */
export function statusLabel(message: Message): string {
  switch (message.deliveryStatus) {
    case 'PENDING':
    case 'SENT':
      return 'sent';
    case 'DELIVERED':
      return 'delivered';
    case 'READ':
      return 'read';
    case 'FAILED':
      return `failed: ${failureReason(message)}`;
  }
}
