import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes, type FailReplyInput, type ReplyRef } from '../../../workflows/contracts.js';
import type { Logger } from '../../logger.js';
import type { Publisher } from '../../realtime/publisher.js';
import type { FlowLinks } from '../../temporal/ui-links.js';
import { publicFailure } from './failure-reasons.js';
import { Message, toMessageDto } from './message.entity.js';
import { advanceStatus, findReply, saveReplyOnce } from './message.store.js';

export interface ReplyFailureDeps {
  orm: MikroORM;
  publisher: Publisher;
  logger: Logger;
  finish: (input: { messageId: string }) => Promise<void>;
  links: FlowLinks;
}

/**
 * Records a permanent failure: the reply becomes FAILED (a saved PENDING one keeps its text, so a
 * retry can deliver it; otherwise an empty FAILED reply is saved), with the public reason in
 * `metadata.error`; the room is told and the message's turn ends. The raw reason is logged only.
 * Safe to repeat: a reply that is already SENT or FAILED is left as it is. An agent's message that
 * could not be delivered is itself marked FAILED.
 */
export function createReplyFailer({ orm, publisher, logger, finish, links }: ReplyFailureDeps) {
  return async (input: FailReplyInput): Promise<ReplyRef> => {
    const em = orm.em.fork();
    const message = await em.findOne(Message, input.messageId);
    if (!message)
      throw ApplicationFailure.nonRetryable(`Message ${input.messageId} not found`, FailureTypes.messageNotFound);
    const conversationId = message.conversation.id;
    const error = publicFailure(input.type, input.reason);
    logger.warn({ messageId: input.messageId, conversationId, type: input.type, reason: input.reason }, 'reply failed');
    if (message.role === 'AGENT') {
      // An agent's message is its own reply: it is what failed to go out.
      if (await advanceStatus(em, message.id, 'FAILED', { ...message.metadata, error })) {
        publisher.status({ messageId: message.id, conversationId, status: 'FAILED' });
      }
      await finish({ messageId: input.messageId });
      return { replyId: message.id };
    }
    publisher.typing(conversationId, false);
    const existing = await findReply(em, input.messageId);
    const { reply, created } = existing
      ? { reply: existing, created: false }
      : await saveReplyOnce(orm, {
          id: input.replyId,
          conversationId,
          role: 'ASSISTANT',
          content: '',
          deliveryStatus: 'FAILED',
          metadata: { error },
          replyToId: input.messageId,
        });
    if (created) {
      publisher.message(toMessageDto(reply, links));
      publisher.status({ messageId: reply.id, conversationId, status: 'FAILED' });
    } else if (
      reply.deliveryStatus === 'PENDING' &&
      (await advanceStatus(em, reply.id, 'FAILED', { ...reply.metadata, error }))
    ) {
      publisher.status({ messageId: reply.id, conversationId, status: 'FAILED' });
    }
    await finish({ messageId: input.messageId });
    return { replyId: reply.id };
  };
}
