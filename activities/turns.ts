import type { MikroORM } from '@mikro-orm/postgresql';
import { finishTurn } from '../src/modules/messages/turns.store.js';

/**
 * Marks a message's turn done and wakes the next message of its conversation, if one waits.
 * Idempotent: finishing twice at most wakes a flow that then finds its turn already known.
 */
export function createTurnFinisher(orm: MikroORM, notifyTurn: (messageId: string) => Promise<void>) {
  return async ({ messageId }: { messageId: string }): Promise<void> => {
    const next = await finishTurn(orm.em.fork(), messageId);
    if (next) await notifyTurn(next);
  };
}
