import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { Message, toMessageDto } from '../src/modules/messages/message.entity.js';
import { advanceStatus, findReply, saveReplyOnce } from '../src/modules/messages/message.store.js';
import { findUnfinishedBefore, isMyTurn, startTurn } from '../src/modules/messages/turns.store.js';
import type { Publisher } from '../src/realtime/publisher.js';
import { createTurnFinisher } from './turns.js';
import { FailureTypes, type DeliverInput, type FailReplyInput, type MessageFlowInput, type ReplyRef, type Route } from '../workflows/contracts.js';

export interface MessageActivityDeps {
  orm: MikroORM;
  publisher: Publisher;
  /** Wakes the flow of a message that waits for its turn. */
  notifyTurn: (messageId: string) => Promise<void>;
  /** Whether a message's flow is still running (false: it closed, or no longer exists). */
  flowIsOpen: (messageId: string) => Promise<boolean>;
}

/** The short database steps of the flow; run as local activities, each safe to repeat. */
export function createMessageActivities({ orm, publisher, notifyTurn, flowIsOpen }: MessageActivityDeps) {
  const loadUserMessage = async (messageId: string) => {
    const em = orm.em.fork();
    const message = await em.findOne(Message, messageId, { populate: ['conversation'] });
    if (!message) throw ApplicationFailure.nonRetryable(`Message ${messageId} not found`, FailureTypes.messageNotFound);
    return { em, message };
  };

  const finish = createTurnFinisher(orm, notifyTurn);

  return {
    /**
     * Takes the message off the outbox, announces it unless the API already did, decides who answers
     * and whether it is its turn.
     */
    async route(input: MessageFlowInput): Promise<Route> {
      const em = orm.em.fork();
      const started = await startTurn(em, input.messageId);
      if (!started) throw ApplicationFailure.nonRetryable(`Message ${input.messageId} not found`, FailureTypes.messageNotFound);
      if (!input.announced) publisher.message(toMessageDto(await em.findOneOrFail(Message, input.messageId)));
      const { myTurn, conversationStatus } = started;
      if (conversationStatus === 'HANDOFF') return { responder: 'NONE', reason: 'conversation is handed off to a human', myTurn };
      return { responder: 'LLM', myTurn };
    },

    /**
     * Checks the turn again; when still blocked, finishes earlier messages whose flow closed without
     * finishing (terminated or timed out by ops), so one dead flow cannot block its conversation.
     */
    async checkTurn({ messageId }: { messageId: string }): Promise<boolean> {
      const { em, message } = await loadUserMessage(messageId);
      if (await isMyTurn(em, message.conversation.id, message.seq)) return true;
      for (const earlier of await findUnfinishedBefore(em, message.conversation.id, message.seq)) {
        if (await flowIsOpen(earlier)) continue;
        await recordFailure({
          messageId: earlier,
          replyId: randomUUID(),
          reason: 'The flow ended without a reply',
          type: FailureTypes.flowEnded,
        });
      }
      return isMyTurn(em, message.conversation.id, message.seq);
    },

    finish,

    /**
     * Delivers the saved reply to its channel and marks it SENT. WIDGET: the conversation's room,
     * where generate published it (and ended the message's turn) when it was saved; both happen
     * here only if that attempt did not.
     */
    async deliver({ messageId, announced }: DeliverInput): Promise<ReplyRef> {
      const em = orm.em.fork();
      const reply = await findReply(em, messageId);
      if (!reply) throw ApplicationFailure.nonRetryable(`No reply saved for message ${messageId}`, FailureTypes.messageNotFound);
      if (await advanceStatus(em, reply.id, 'SENT')) {
        publisher.status({ messageId: reply.id, conversationId: reply.conversation.id, status: 'SENT' });
      }
      if (!announced) {
        publisher.message(toMessageDto(reply));
        await finish({ messageId });
      }
      return { replyId: reply.id };
    },

    /** Records a permanent failure as a FAILED reply that says why, and tells the room. */
    failReply: (input: FailReplyInput) => recordFailure(input),
  };

  /** Fails the reply (a PENDING one, or a new FAILED one), says why, and finishes the message. */
  async function recordFailure(input: FailReplyInput): Promise<ReplyRef> {
    const { em, message } = await loadUserMessage(input.messageId);
    const conversationId = message.conversation.id;
    const error = { type: input.type, message: input.reason };
    publisher.typing(conversationId, false);

    const existing = await findReply(em, input.messageId);
    let replyId = existing?.id;
    if (existing?.deliveryStatus === 'PENDING') {
      if (await advanceStatus(em, existing.id, 'FAILED', { ...existing.metadata, error })) {
        publisher.status({ messageId: existing.id, conversationId, status: 'FAILED' });
      }
    } else if (!existing) {
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
      replyId = reply.id;
    }
    await finish({ messageId: input.messageId });
    return { replyId: replyId! };
  }
}
