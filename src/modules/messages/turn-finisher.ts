import type { MikroORM } from '@mikro-orm/postgresql';
import { finishTurn, nextWaiting } from './turns.store.js';

export type NotifyTurn = (messageId: string) => Promise<void>;

/**
 * Marks a message's turn done and wakes the next message of its conversation, if one waits.
 * Idempotent: finishing twice at most wakes a flow that then finds its turn already known.
 */
export function createTurnFinisher(orm: MikroORM, notifyTurn: NotifyTurn) {
  return async ({ messageId }: { messageId: string }): Promise<void> => {
    const next = await finishTurn(orm.em.fork(), messageId);
    if (next) await notifyTurn(next);
  };
}

/** Wakes the message after `at` when one waits (its done mark is already committed). */
export function createTurnWaker(orm: MikroORM, notifyTurn: NotifyTurn) {
  return async (at: { conversationId: string; seq: number }): Promise<void> => {
    const next = await nextWaiting(orm.em.fork(), at);
    if (next) await notifyTurn(next);
  };
}
