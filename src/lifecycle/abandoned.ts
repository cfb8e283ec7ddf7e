import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { FailureTypes } from '../../workflows/contracts.js';
import type { Logger } from '../logger.js';
import type { Fail } from './fail.js';
import type { FlowIsOpen } from './ports.js';
import { isFinished } from './turns.js';

/**
 * Fails the messages whose flow closed without finishing their turn (ops terminated it, or it
 * timed out): otherwise the next message of the conversation would wait for them forever, and the
 * last one would never be answered. A message whose flow is still open, or whose turn finished
 * meanwhile, is left alone; a flow whose state Temporal cannot tell now counts as open (the next
 * check looks again). Called by a message waiting for its turn (for those before it) and by the
 * outbox sweeper (for any that waited too long).
 */
export function createAbandonedCheck({
  orm,
  fail,
  flowIsOpen,
  logger,
}: {
  orm: MikroORM;
  fail: Fail;
  flowIsOpen: FlowIsOpen;
  logger: Logger;
}) {
  return async (messageIds: string[], options: { stopped?: () => boolean } = {}): Promise<void> => {
    for (const messageId of messageIds) {
      if (options.stopped?.()) return;
      const open = await flowIsOpen(messageId).catch((err: unknown) => {
        logger.warn({ messageId, err: String(err) }, 'could not tell whether a flow is open; will look again');
        return true;
      });
      try {
        if (open || (await isFinished(orm.em.fork(), messageId))) continue;
        // The flow may have died mid-stream: its `typing true` is ended here (a repeat is harmless).
        await fail({
          messageId,
          replyId: randomUUID(),
          type: FailureTypes.flowEnded,
          reason: 'The flow closed without finishing the message',
          endTyping: true,
        });
      } catch (err) {
        // One message that cannot be failed now must not hold up the others: the next check retries it.
        logger.error({ messageId, err }, 'could not finish an abandoned message; will retry');
      }
    }
  };
}

export type FailAbandoned = ReturnType<typeof createAbandonedCheck>;
