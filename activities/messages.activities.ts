import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import type { Channels } from '../src/channels/index.js';
import type { Logger } from '../src/logger.js';
import { Message, toMessageDto } from '../src/modules/messages/message.entity.js';
import { advanceStatus, findReply } from '../src/modules/messages/message.store.js';
import { createReplyFailer } from '../src/modules/messages/reply-failure.js';
import { createTurnFinisher, type NotifyTurn } from '../src/modules/messages/turn-finisher.js';
import { findUnfinishedBefore, isMyTurn, startTurn } from '../src/modules/messages/turns.store.js';
import type { Publisher } from '../src/realtime/publisher.js';
import { FailureTypes, type DeliverInput, type FailReplyInput, type MessageFlowInput, type ReplyRef, type Route } from '../workflows/contracts.js';
import { classifiedSteps } from './step-errors.js';

export interface MessageActivityDeps {
  orm: MikroORM;
  publisher: Publisher;
  logger: Logger;
  channels: Channels;
  /** Wakes the flow of a message that waits for its turn. */
  notifyTurn: NotifyTurn;
  /** Whether a message's flow is still running (false: it closed, or no longer exists). */
  flowIsOpen: (messageId: string) => Promise<boolean>;
}

/** The short database steps of the flow; run as local activities, each safe to repeat. */
export function createMessageActivities({ orm, publisher, logger, channels, notifyTurn, flowIsOpen }: MessageActivityDeps) {
  const finish = createTurnFinisher(orm, notifyTurn);
  const failReply = createReplyFailer({ orm, publisher, logger, finish });

  return classifiedSteps({
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
      const em = orm.em.fork();
      const message = await em.findOne(Message, messageId);
      if (!message) throw ApplicationFailure.nonRetryable(`Message ${messageId} not found`, FailureTypes.messageNotFound);
      if (await isMyTurn(em, message.conversation.id, message.seq)) return true;
      for (const earlier of await findUnfinishedBefore(em, message.conversation.id, message.seq)) {
        // Unknown (Temporal did not answer): assume open; the next check looks again.
        if (await flowIsOpen(earlier).catch(() => true)) continue;
        await failReply({ messageId: earlier, replyId: randomUUID(), type: FailureTypes.flowEnded, reason: 'The flow closed without finishing the message' });
      }
      return isMyTurn(em, message.conversation.id, message.seq);
    },

    finish,

    /**
     * Delivers the saved reply through its conversation's channel and marks it SENT once the channel
     * accepted it. A channel without an adapter fails the reply (ChannelNotConfigured), keeping its
     * text. If the attempt that saved the reply did not publish it and end the turn, it happens here.
     */
    async deliver({ messageId, announced }: DeliverInput): Promise<ReplyRef> {
      const em = orm.em.fork();
      const reply = await findReply(em, messageId, { withConversation: true });
      if (!reply) throw ApplicationFailure.nonRetryable(`No reply saved for message ${messageId}`, FailureTypes.messageNotFound);
      const conversation = reply.conversation;
      if (!announced) {
        publisher.message(toMessageDto(reply));
        await finish({ messageId });
      }
      const channel = channels[conversation.channel];
      if (!channel) {
        throw ApplicationFailure.nonRetryable(`No delivery adapter for the ${conversation.channel} channel in this deployment`, FailureTypes.channelNotConfigured);
      }
      await channel.deliver(reply, conversation);
      if (await advanceStatus(em, reply.id, 'SENT')) {
        publisher.status({ messageId: reply.id, conversationId: conversation.id, status: 'SENT' });
      }
      return { replyId: reply.id };
    },

    /** Records a permanent failure as a FAILED reply that says why, and tells the room. */
    failReply: (input: FailReplyInput) => failReply(input),
  });
}
