import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { Message, toMessageDto } from '../src/modules/messages/message.entity.js';
import { advanceStatus, findReply, saveReplyOnce } from '../src/modules/messages/message.store.js';
import type { Publisher } from '../src/realtime/publisher.js';
import { FailureTypes, type FailReplyInput, type MessageFlowInput, type ReplyRef, type Route } from '../workflows/contracts.js';

export interface MessageActivityDeps {
  orm: MikroORM;
  publisher: Publisher;
}

/** The short database steps of the flow; run as local activities, each safe to repeat. */
export function createMessageActivities({ orm, publisher }: MessageActivityDeps) {
  return {
    /** Announces the saved user message and decides who answers it. */
    async route(input: MessageFlowInput): Promise<Route> {
      const em = orm.em.fork();
      const message = await em.findOne(Message, input.messageId, { populate: ['conversation'] });
      if (!message) throw ApplicationFailure.nonRetryable(`Message ${input.messageId} not found`, FailureTypes.messageNotFound);
      publisher.message(toMessageDto(message));
      if (message.conversation.status === 'HANDOFF') return { responder: 'NONE', reason: 'conversation is handed off to a human' };
      return { responder: 'LLM' };
    },

    /** Delivers the saved reply to its channel (WIDGET: the conversation's room) and marks it SENT. */
    async deliver({ messageId }: { messageId: string }): Promise<ReplyRef> {
      const em = orm.em.fork();
      const reply = await findReply(em, messageId);
      if (!reply) throw ApplicationFailure.nonRetryable(`No reply saved for message ${messageId}`, FailureTypes.messageNotFound);
      publisher.message(toMessageDto(reply));
      if (await advanceStatus(em, reply.id, 'SENT')) {
        publisher.status({ messageId: reply.id, conversationId: reply.conversation.id, status: 'SENT' });
      }
      return { replyId: reply.id };
    },

    /** Records a permanent failure as a FAILED reply that says why, and tells the room. */
    async failReply(input: FailReplyInput): Promise<ReplyRef> {
      const em = orm.em.fork();
      const user = await em.findOne(Message, input.messageId);
      if (!user) throw ApplicationFailure.nonRetryable(`Message ${input.messageId} not found`, FailureTypes.messageNotFound);
      const conversationId = user.conversation.id;
      const error = { type: input.type, message: input.reason };
      publisher.typing(conversationId, false);

      const existing = await findReply(em, input.messageId);
      if (existing) {
        if (await advanceStatus(em, existing.id, 'FAILED', { ...existing.metadata, error })) {
          publisher.status({ messageId: existing.id, conversationId, status: 'FAILED' });
        }
        return { replyId: existing.id };
      }
      const reply = await saveReplyOnce(orm, {
        id: input.replyId,
        conversationId,
        role: 'ASSISTANT',
        content: '',
        deliveryStatus: 'FAILED',
        metadata: { error },
        replyToId: input.messageId,
      });
      publisher.message(toMessageDto(reply));
      publisher.status({ messageId: reply.id, conversationId, status: 'FAILED' });
      return { replyId: reply.id };
    },
  };
}
