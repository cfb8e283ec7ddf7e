import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { WakeTurn } from './ports.js';
import { markFinished, nextWaiting } from './turns.js';

/**
 * Wakes the message after `at` when one waits. Its own statement, after the finish committed
 * (see nextWaiting); a wake nobody needed only makes a flow read its turn once more.
 */
export function createWakeNext(orm: MikroORM, wakeTurn: WakeTurn) {
  return async (at: { conversationId: string; seq: number }, em: EntityManager = orm.em.fork()): Promise<void> => {
    const next = await nextWaiting(em, at);
    if (next) await wakeTurn(next);
  };
}

export type WakeNext = ReturnType<typeof createWakeNext>;

/**
 * finishTurn: the message needs nothing more, so the next message of its conversation may go.
 * Idempotent, and it wakes the next one every time: a repeat re-sends a wake that may have been
 * lost (a crash between the finish and its signal).
 */
export function createFinishTurn(orm: MikroORM, wakeNext: WakeNext) {
  return async (messageId: string): Promise<void> => {
    const em = orm.em.fork();
    const finished = await markFinished(em, messageId);
    if (finished) await wakeNext(finished, em);
  };
}
