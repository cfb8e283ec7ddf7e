import { ApplicationFailure } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { FailureTypes, type FlowSteps } from '../workflows/contracts.js';
import type { Channels } from '../src/channels/index.js';
import { findReply } from '../src/lifecycle/append.js';
import type { Lifecycle } from '../src/lifecycle/index.js';
import { Message, type IMessage } from '../src/model/message.entity.js';
import { messageNotFound } from './turn.activities.js';

export interface ReplyStepDeps {
  orm: MikroORM;
  lifecycle: Lifecycle;
  channels: Channels;
}

/** The flow's steps around a saved answer: a fixed reply, delivering it (or an agent's message), failing it. */
export function createReplySteps({ orm, lifecycle, channels }: ReplyStepDeps) {
  /**
   * Hands a message (a reply or an agent's own) to its conversation's channel; deliver marks it
   * SENT once the channel accepted it. A FAILED one here means its flow was reset or retried (a run
   * fails it only after this step): it is reopened and really sent again.
   */
  const throughChannel = async (loaded: IMessage) => {
    const conversation = loaded.conversation;
    const message = (loaded.deliveryStatus === 'FAILED' && (await lifecycle.reopen(loaded.id))) || loaded;
    const channel = channels[conversation.channel];
    if (!channel) {
      throw ApplicationFailure.nonRetryable(
        `No delivery adapter for the ${conversation.channel} channel in this deployment`,
        FailureTypes.channelNotConfigured,
      );
    }
    const delivered = await channel.deliver(message, conversation);
    await lifecycle.deliver({ id: message.id, conversationId: conversation.id }, delivered?.externalId);
  };

  return {
    async replyWith({ messageId, replyId, text, metadata, endTyping }) {
      const message = await orm.em.fork().findOne(Message, messageId);
      if (!message) throw messageNotFound(messageId);
      if (endTyping) lifecycle.endLostStream(message.conversation.id);
      return lifecycle.saveAnswer(
        { id: message.id, conversationId: message.conversation.id, seq: message.seq },
        { replyId, content: text, metadata },
      );
    },

    /**
     * Delivers the saved reply. If the attempt that saved it did not get to publish it, it is
     * published here (at least once), and the turn finished again: a repeat that re-sends a wake.
     */
    async deliver({ messageId, published, announced }) {
      const em = orm.em.fork();
      const reply = await findReply(em, messageId);
      if (!reply) {
        throw ApplicationFailure.nonRetryable(`No reply saved for message ${messageId}`, FailureTypes.messageNotFound);
      }
      await em.populate(reply, ['conversation.chatbot']);
      if (!(published ?? announced)) await lifecycle.republishAnswer(reply);
      await throughChannel(reply);
      return { replyId: reply.id };
    },

    async deliverOwn({ messageId }) {
      const message = await orm.em.fork().findOne(Message, messageId, { populate: ['conversation.chatbot'] });
      if (!message) throw messageNotFound(messageId);
      await throughChannel(message);
      await lifecycle.finishTurn(messageId);
    },

    async failReply(input) {
      const failed = await lifecycle.fail(input);
      if (!failed) throw messageNotFound(input.messageId);
      return failed;
    },
  } satisfies Pick<FlowSteps, 'replyWith' | 'deliver' | 'deliverOwn' | 'failReply'>;
}
