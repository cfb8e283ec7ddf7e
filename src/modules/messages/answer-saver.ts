import type { MikroORM } from '@mikro-orm/postgresql';
import type { GenerateResult } from '../../../workflows/contracts.js';
import type { Publisher } from '../../realtime/publisher.js';
import type { FlowLinks } from '../../temporal/ui-links.js';
import { toMessageDto, type IMessage } from './message.entity.js';
import { refillFailedReply, saveReplyOnce } from './message.store.js';
import { createTurnWaker, type NotifyTurn } from './turn-finisher.js';

/** A reply whose answer failed before it had any text: a retried flow answers into it. */
export const failedWithoutText = (reply: IMessage): boolean =>
  reply.deliveryStatus === 'FAILED' && reply.content === '';

export interface Answer {
  /** The id the reply gets if this call saves it. */
  replyId: string;
  content: string;
  metadata: Record<string, unknown>;
}

/**
 * Saves the answer to a user message — generated, a rule's, the fallback — and ends the message's
 * turn in the same transaction, then publishes it and wakes the next message (which will see it).
 * When the message's reply FAILED before it had text (a retried flow), the answer fills that reply
 * instead: same id and seq, FAILED → PENDING. Idempotent: a reply saved before is returned as is
 * (`announced: false`: deliver publishes it and ends the turn if needed).
 */
export function createAnswerSaver({
  orm,
  publisher,
  notifyTurn,
  links,
}: {
  orm: MikroORM;
  publisher: Publisher;
  notifyTurn: NotifyTurn;
  links: FlowLinks;
}) {
  const wakeNext = createTurnWaker(orm, notifyTurn);
  return async (message: IMessage, { replyId, content, metadata }: Answer): Promise<GenerateResult> => {
    const { reply, created } = await saveReplyOnce(
      orm,
      {
        id: replyId,
        conversationId: message.conversation.id,
        role: 'ASSISTANT',
        content,
        deliveryStatus: 'PENDING',
        metadata,
        replyToId: message.id,
      },
      { finishTurn: true },
    );
    if (created) {
      publisher.message(toMessageDto(reply, links));
      await wakeNext({ conversationId: message.conversation.id, seq: message.seq });
      return { replyId: reply.id, announced: true };
    }
    if (failedWithoutText(reply)) {
      const refilled = await refillFailedReply(orm.em.fork(), reply.id, content, metadata, links);
      if (refilled) {
        publisher.status({ messageId: refilled.id, conversationId: refilled.conversationId, status: 'PENDING' });
        publisher.message(refilled);
        return { replyId: refilled.id, announced: true };
      }
    }
    return { replyId: reply.id, announced: false };
  };
}
