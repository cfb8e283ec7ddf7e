import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import type { Channels } from '../src/channels/index.js';
import type { Logger } from '../src/logger.js';
import { changeStatus } from '../src/modules/conversations/conversation.store.js';
import { Message, toMessageDto, type IMessage } from '../src/modules/messages/message.entity.js';
import { advanceStatus, findReply, recordExternalId, reopenFailed } from '../src/modules/messages/message.store.js';
import { createReplyFailer } from '../src/modules/messages/reply-failure.js';
import { createTurnFinisher, type NotifyTurn } from '../src/modules/messages/turn-finisher.js';
import { createAnswerSaver } from '../src/modules/messages/answer-saver.js';
import { findUnfinishedBefore, startTurn, turnFacts, type TurnFacts } from '../src/modules/messages/turns.store.js';
import { decideRoute } from '../src/modules/routing/router.js';
import type { Publisher } from '../src/realtime/publisher.js';
import type { FlowLinks } from '../src/temporal/ui-links.js';
import {
  FailureTypes,
  type DeliverInput,
  type FailReplyInput,
  type GenerateResult,
  type HandOffInput,
  type MessageFlowInput,
  type ReplyRef,
  type ReplyWithInput,
  type Route,
} from '../workflows/contracts.js';
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
  /** The Temporal UI addresses that published messages carry. */
  links: FlowLinks;
}

const notFound = (messageId: string) =>
  ApplicationFailure.nonRetryable(`Message ${messageId} not found`, FailureTypes.messageNotFound);

/** The short database steps of the flow; run as local activities, each safe to repeat. */
export function createMessageActivities({
  orm,
  publisher,
  logger,
  channels,
  notifyTurn,
  flowIsOpen,
  links,
}: MessageActivityDeps) {
  const finish = createTurnFinisher(orm, notifyTurn);
  const saveAnswer = createAnswerSaver({ orm, publisher, notifyTurn, links });
  const failReply = createReplyFailer({ orm, publisher, logger, finish, links });

  /** Moves the conversation to a human and tells the room and the chatbot's room, once. */
  const handOver = async (em: EntityManager, conversationId: string, reason: string) => {
    const change = await changeStatus(em, conversationId, 'HANDOFF', ['OPEN']);
    if (change?.changed)
      publisher.conversationStatus({ conversationId, chatbotId: change.chatbotId, status: 'HANDOFF', reason });
  };

  /**
   * The decision, taken in the message's turn: a handoff rule hands the conversation over here, so
   * the messages after it already find it with a human.
   */
  const decide = async (em: EntityManager, facts: TurnFacts): Promise<Route> => {
    if (!facts.myTurn) return { myTurn: false };
    if (facts.role === 'AGENT') return { myTurn: true, responder: 'AGENT' };
    const route = decideRoute(facts);
    if (route.responder === 'RULE' && route.action === 'handoff') {
      await handOver(em, facts.conversationId, `rule ${route.rule + 1} (${route.match}) asked for a human`);
    }
    return route;
  };

  /**
   * Hands the message (a reply or an agent's own) to its conversation's channel; SENT once accepted.
   * A FAILED one here means its flow was reset to try again (a run fails it only after this step):
   * it is reopened (PENDING, emitted) and really sent again.
   */
  const deliverThroughChannel = async (em: EntityManager, message: IMessage) => {
    const conversation = message.conversation;
    if (message.deliveryStatus === 'FAILED' && (await reopenFailed(em, message.id))) {
      publisher.status({ messageId: message.id, conversationId: conversation.id, status: 'PENDING' });
      message.externalId = null; // a retry sends anew
    }
    const channel = channels[conversation.channel];
    if (!channel) {
      throw ApplicationFailure.nonRetryable(
        `No delivery adapter for the ${conversation.channel} channel in this deployment`,
        FailureTypes.channelNotConfigured,
      );
    }
    const delivered = await channel.deliver(message, conversation);
    if (delivered?.externalId && delivered.externalId !== message.externalId)
      await recordExternalId(em, message.id, delivered.externalId);
    if (await advanceStatus(em, message.id, 'SENT')) {
      publisher.status({ messageId: message.id, conversationId: conversation.id, status: 'SENT' });
    }
  };

  return classifiedSteps({
    /**
     * Takes the message off the outbox, announces it unless the API already did, and — when it is
     * its turn — decides who answers (src/modules/routing).
     */
    async route(input: MessageFlowInput): Promise<Route> {
      const em = orm.em.fork();
      const facts = await startTurn(em, input.messageId);
      if (!facts) throw notFound(input.messageId);
      if (!input.announced) publisher.message(toMessageDto(await em.findOneOrFail(Message, input.messageId), links));
      return decide(em, facts);
    },

    /**
     * Checks the turn again (deciding the route once it came); while still blocked, finishes
     * earlier messages whose flow closed without finishing (terminated or timed out by ops), so one
     * dead flow cannot block its conversation.
     */
    async checkTurn({ messageId }: { messageId: string }): Promise<Route> {
      const em = orm.em.fork();
      const facts = await turnFacts(em, messageId);
      if (!facts) throw notFound(messageId);
      if (facts.myTurn) return decide(em, facts);
      for (const earlier of await findUnfinishedBefore(em, facts.conversationId, facts.seq)) {
        // Unknown (Temporal did not answer): assume open; the next check looks again.
        if (await flowIsOpen(earlier).catch(() => true)) continue;
        await failReply({
          messageId: earlier,
          replyId: randomUUID(),
          type: FailureTypes.flowEnded,
          reason: 'The flow closed without finishing the message',
        });
      }
      return decide(em, (await turnFacts(em, messageId))!);
    },

    finish,

    /** Answers with a fixed text (a rule's, the fallback), saved like a generated reply. */
    async replyWith({ messageId, replyId, text, metadata }: ReplyWithInput): Promise<GenerateResult> {
      const em = orm.em.fork();
      const message = await em.findOne(Message, messageId);
      if (!message) throw notFound(messageId);
      return saveAnswer(message, { replyId, content: text, metadata });
    },

    /** Hands the conversation to a human because the bot could not answer, says so, ends the turn. */
    async handOff({ messageId, reason }: HandOffInput): Promise<void> {
      const em = orm.em.fork();
      const message = await em.findOne(Message, messageId);
      if (!message) throw notFound(messageId);
      await handOver(em, message.conversation.id, reason);
      await finish({ messageId });
    },

    /**
     * Delivers the saved reply through its conversation's channel and marks it SENT once the channel
     * accepted it. A channel without an adapter fails the reply (ChannelNotConfigured), keeping its
     * text. If the attempt that saved the reply did not publish it and end the turn, it happens here.
     */
    async deliver({ messageId, announced }: DeliverInput): Promise<ReplyRef> {
      const em = orm.em.fork();
      const reply = await findReply(em, messageId, { withConversation: true });
      if (!reply)
        throw ApplicationFailure.nonRetryable(`No reply saved for message ${messageId}`, FailureTypes.messageNotFound);
      if (!announced) {
        publisher.message(toMessageDto(reply, links));
        await finish({ messageId });
      }
      await deliverThroughChannel(em, reply);
      return { replyId: reply.id };
    },

    /** Delivers an agent's message in its turn, then lets the next message of the conversation go. */
    async deliverOwn({ messageId }: { messageId: string }): Promise<void> {
      const em = orm.em.fork();
      const message = await em.findOne(Message, messageId, { populate: ['conversation.chatbot'] });
      if (!message) throw notFound(messageId);
      await deliverThroughChannel(em, message);
      await finish({ messageId });
    },

    /** Records a permanent failure as a FAILED reply that says why, and tells the room. */
    failReply: (input: FailReplyInput) => failReply(input),
  });
}
