import type { MikroORM } from '@mikro-orm/postgresql';
import { toMessageDto, type IMessage } from '../model/message.entity.js';
import { saveReplyOnce } from './append.js';
import type { WakeNext } from './finish-turn.js';
import type { Publisher } from './ports.js';
import type { StatusChanges } from './statuses.js';
import { TRANSITIONS } from './table.js';
import { markFinished } from './turns.js';

/** A reply whose answer failed before it had any text: a retried flow answers into it. */
export const failedWithoutText = (reply: IMessage): boolean =>
  reply.deliveryStatus === 'FAILED' && reply.content === '';

export interface Answer {
  /** The id the reply gets if this call saves it (every attempt of a flow passes the same one). */
  replyId: string;
  content: string;
  /** Why this text (the model, a rule, the fallback), kept in the reply's metadata. */
  metadata: Record<string, unknown>;
}

/**
 * saveAnswer: the answer to a message — generated, a rule's, the fallback — is saved PENDING and
 * the message's turn FINISHED in one transaction, so nobody ever sees the reply while its message
 * still holds the conversation's turn; then it is published and the next message woken (it will
 * see this reply). A reply that FAILED before it had text (a retried flow) is filled instead
 * (reopen: same id and seq). Idempotent: a reply saved before is returned as it is, `published:
 * false` (deliver then publishes it again, at least once).
 */
export function createSaveAnswer(deps: {
  orm: MikroORM;
  publisher: Publisher;
  wakeNext: WakeNext;
  reopen: StatusChanges['reopen'];
}) {
  const { orm, publisher, wakeNext, reopen } = deps;
  return async (
    message: { id: string; conversationId: string; seq: number },
    answer: Answer,
  ): Promise<{ replyId: string; published: boolean }> => {
    const { reply, created } = await orm.em.fork().transactional(async (tx) => {
      const saved = await saveReplyOnce(tx, {
        id: answer.replyId,
        conversationId: message.conversationId,
        role: 'ASSISTANT',
        content: answer.content,
        deliveryStatus: TRANSITIONS.saveAnswer.status.to,
        metadata: answer.metadata,
        replyToId: message.id,
      });
      if (saved.created) await markFinished(tx, message.id);
      return saved;
    });
    if (created) {
      publisher.message(toMessageDto(reply));
      await wakeNext({ conversationId: message.conversationId, seq: message.seq });
      return { replyId: reply.id, published: true };
    }
    if (failedWithoutText(reply) && (await reopen(reply.id, { content: answer.content, metadata: answer.metadata }))) {
      return { replyId: reply.id, published: true };
    }
    return { replyId: reply.id, published: false };
  };
}

/**
 * saveAnswer's events again, for a reply an earlier attempt saved and may not have published (it
 * died in between): the `message`, and the finish of its message's turn with its wake. At least
 * once, like every event.
 */
export function createRepublishAnswer(deps: {
  publisher: Publisher;
  finishTurn: (messageId: string) => Promise<void>;
}) {
  return async (reply: IMessage): Promise<void> => {
    deps.publisher.message(toMessageDto(reply));
    if (reply.replyToId) await deps.finishTurn(reply.replyToId);
  };
}
