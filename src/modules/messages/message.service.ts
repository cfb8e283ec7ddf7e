import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound, unavailable } from '../../errors.js';
import type { Admission, ChatbotLimits, RateLimits } from '../../limits/rate-limits.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Publisher } from '../../realtime/publisher.js';
import type { StartMessageFlow } from '../../temporal/flows.js';
import type { FlowLinks } from '../../temporal/ui-links.js';
import { findOwnedChatbot } from '../chatbots/chatbot.store.js';
import {
  toConversationDto,
  whatsAppWindow,
  type Channel,
  type IConversation,
} from '../conversations/conversation.entity.js';
import { findOrOpenConversation, findOwnedConversation } from '../conversations/conversation.store.js';
import { Message, toMessageDto, type MessageDto } from './message.entity.js';
import type { AgentMessageInput, HistoryQuery, SendMessageInput } from './message.schemas.js';
import { claimKey, completeKey, type IdempotencyClaim } from './idempotency.store.js';
import { appendToOpenConversation, type AppendedUserMessage } from './fast-append.js';
import { appendMessage, findReply, pageBySeq } from './message.store.js';

export interface MessageServiceDeps {
  startFlow: StartMessageFlow;
  publisher: Publisher;
  logger: Logger;
  /** Sends per customer, chatbot and end user: a send over a limit is a 429 and stores nothing. */
  limits: Pick<RateLimits, 'consumeSend'>;
  metrics: Pick<Metrics, 'sendsAccepted' | 'retriesAccepted'>;
  /** The Temporal UI addresses that messages and conversations carry. */
  links: FlowLinks;
}

/** Sending and reading messages, always within one customer's chatbots. */
export function createMessageService({ startFlow, publisher, logger, limits, metrics, links }: MessageServiceDeps) {
  /**
   * Starts the message's flow once the 202 is on its way: setImmediate runs after the response was
   * written, so the start's own work (encoding, the RPC, an eager first task) never delays it. The
   * message is committed in the outbox already; if the start fails, the sweeper starts it.
   */
  const startAfterResponse = (flow: Parameters<StartMessageFlow>[0], role: 'USER' | 'AGENT') => {
    metrics.sendsAccepted.inc({ channel: flow.channel, role });
    setImmediate(() =>
      startFlow({ ...flow, announced: true }).catch((err) =>
        logger.warn({ messageId: flow.messageId, err: String(err) }, 'flow not started now; the outbox will start it'),
      ),
    );
  };

  /** The 202 body and the flow's input for a saved message. */
  const accepted = ({ message, conversation, chatbotId }: AppendedUserMessage) => ({
    body: { message: 'Message accepted for processing', data: { message, conversation } },
    flow: flowOf(message, chatbotId, conversation.channel),
  });

  /** The full path: opens the conversation when needed, and says exactly what is wrong (404, 409). */
  const appendFully = async (
    tx: EntityManager,
    customerId: string,
    input: SendMessageInput,
  ): Promise<AppendedUserMessage> => {
    const chatbot = await findOwnedChatbot(tx, customerId, input.chatbotId);
    const conversation = input.conversationId
      ? await continueConversation(tx, customerId, input)
      : await findOrOpenConversation(tx, input);
    const message = await appendMessage(tx, {
      conversationId: conversation.id,
      role: 'USER',
      content: input.content,
      deliveryStatus: 'SENT',
      metadata: input.metadata,
    });
    const at = message.createdAt.toISOString();
    return {
      chatbotId: chatbot.id,
      message: toMessageDto(message, links),
      conversation: {
        ...toConversationDto(conversation, links),
        lastMessageAt: at,
        updatedAt: at,
        ...whatsAppWindow(conversation.channel, message.createdAt),
      },
    };
  };

  /**
   * Counts the send against its end user's, chatbot's and customer's limits (429 over any of them),
   * once the chatbot is known to be the caller's: an unknown or foreign chatbot is a 404 that
   * counts nothing and tells nothing about anyone's limits.
   */
  const admitSend = async (em: EntityManager, customerId: string, input: SendMessageInput): Promise<Admission> => {
    const [chatbot] = await em.execute<{ limits: Partial<ChatbotLimits> | null }[]>(
      'select limits from chatbot where id = ? and customer_id = ? and deleted_at is null',
      [input.chatbotId, customerId],
    );
    if (!chatbot) throw notFound('Chatbot');
    return limits.consumeSend({
      customerId,
      chatbot: { id: input.chatbotId, limits: chatbot.limits },
      endUser: input.externalUserId,
    });
  };

  /**
   * Saves the message and, in the same transaction, its Idempotency-Key with the 202 body, so a
   * crash can never leave one without the other. A repeat of an earlier request returns that
   * request's body (`replay`), saves nothing and counts against no limit: the limits are taken
   * after the key, in its transaction. Without a key, the common case (an open conversation) is
   * one statement after the limits' own read. A send that fails after it was counted (404, 409,
   * an outage) gives its count back: only accepted sends use up a limit.
   */
  const save = async (em: EntityManager, customerId: string, input: SendMessageInput, claim?: IdempotencyClaim) => {
    let admission: Admission | undefined;
    try {
      if (!claim) {
        admission = await admitSend(em, customerId, input);
        const fast = await appendToOpenConversation(em, customerId, input, links);
        if (fast) return accepted(fast);
      }
      return await em.transactional(async (tx) => {
        if (claim) {
          const replay = await claimKey(tx, claim);
          if (replay) return { replay };
          admission = await admitSend(tx, customerId, input);
        }
        const saved = accepted(
          (await appendToOpenConversation(tx, customerId, input, links)) ?? (await appendFully(tx, customerId, input)),
        );
        if (claim) await completeKey(tx, claim, saved.body);
        return saved;
      });
    } catch (err) {
      await admission?.refund();
      throw err;
    }
  };

  return {
    /**
     * Saves the user's message, announces it to the conversation's room and starts its durable flow;
     * the result is the 202 body. The 202 does not wait for Temporal: once the message is committed
     * it is in the outbox (`flow_started_at` null), and if this start fails the sweeper starts it.
     * With an idempotency claim, a repeat of an earlier request returns that request's body and does
     * nothing else.
     */
    async send(em: EntityManager, customerId: string, input: SendMessageInput, claim?: IdempotencyClaim) {
      const saved = await save(em, customerId, input, claim);
      if ('replay' in saved) return { body: saved.replay, replayed: true };
      publisher.message(saved.body.data.message);
      startAfterResponse(saved.flow, 'USER');
      return { body: saved.body, replayed: false };
    },

    /**
     * A page of a conversation's messages in ascending seq, by seq cursor or by page number. The
     * cursor read is one indexed query that also checks ownership (through the join); only an empty
     * page needs a second look, to tell "not yours" (404) from "nothing there".
     */
    async history(em: EntityManager, customerId: string, conversationId: string, query: HistoryQuery) {
      const { limit } = query;
      if (query.after !== undefined || query.before !== undefined) {
        const rows = await pageBySeq(
          em,
          { customerId, conversationId, after: query.after, before: query.before, limit: limit + 1 },
          links,
        );
        if (rows.length === 0) await findOwnedConversation(em, customerId, conversationId);
        const hasMore = rows.length > limit;
        const page = rows.slice(0, limit);
        if (query.before !== undefined) page.reverse();
        return { data: page, meta: { limit, hasMore } };
      }
      await findOwnedConversation(em, customerId, conversationId);
      const page = query.page ?? 1;
      const [rows, total] = await em.findAndCount(
        Message,
        { conversation: conversationId },
        { orderBy: { seq: 'asc' }, limit, offset: (page - 1) * limit, disableIdentityMap: true },
      );
      return {
        data: rows.map((row) => toMessageDto(row, links)),
        meta: { page, limit, total, totalPages: Math.ceil(total / limit) },
      };
    },

    /**
     * An agent's message into a conversation: saved (PENDING) with the conversation's next seq,
     * announced, and delivered by its own durable flow in its turn — after every earlier message of
     * the conversation is answered, before every later one — through the same outbox as users'.
     */
    async sendAsAgent(em: EntityManager, customerId: string, conversationId: string, input: AgentMessageInput) {
      let admission: Admission | undefined;
      const saved = await em
        .transactional(async (tx) => {
          const conversation = await findOwnedConversation(tx, customerId, conversationId);
          if (conversation.status === 'CLOSED') throw conflict('The conversation is closed');
          if (conversation.chatbot.deletedAt) throw conflict('The conversation’s chatbot was deleted');
          // The customer's and the chatbot's limits; an agent is not an end user.
          admission = await limits.consumeSend({
            customerId,
            chatbot: { id: conversation.chatbot.id, limits: conversation.chatbot.limits },
          });
          const message = await appendMessage(tx, {
            conversationId,
            role: 'AGENT',
            content: input.content,
            deliveryStatus: 'PENDING',
            metadata: input.metadata,
          });
          const dto = toMessageDto(message, links);
          return { message: dto, flow: flowOf(dto, conversation.chatbot.id, conversation.channel) };
        })
        .catch(async (err: unknown) => {
          await admission?.refund();
          throw err;
        });
      publisher.message(saved.message);
      startAfterResponse(saved.flow, 'AGENT');
      return { message: 'Message accepted for delivery', data: { message: saved.message } };
    },

    /**
     * A user message that arrived through a channel's own webhook (WhatsApp): saved once per
     * provider id however often the provider redelivers it, then announced and answered like a
     * send. `duplicate`: it was saved before, and nothing happened now.
     */
    async receive(em: EntityManager, chatbotId: string, input: ReceivedMessage): Promise<{ duplicate: boolean }> {
      let saved: { message: MessageDto; flow: Parameters<StartMessageFlow>[0] } | undefined;
      try {
        saved = await em.transactional(async (tx) => {
          const seen = await tx.execute('select 1 from message where external_id = ?', [input.externalId]);
          if (seen.length > 0) return undefined;
          const conversation = await findOrOpenConversation(tx, {
            chatbotId,
            externalUserId: input.externalUserId,
            channel: input.channel,
          });
          const message = await appendMessage(tx, {
            conversationId: conversation.id,
            role: 'USER',
            content: input.content,
            deliveryStatus: 'SENT',
            metadata: input.metadata,
            externalId: input.externalId,
          });
          const dto = toMessageDto(message, links);
          return { message: dto, flow: flowOf(dto, chatbotId, input.channel) };
        });
      } catch (err) {
        if (!(err instanceof UniqueConstraintViolationException)) throw err; // a redelivery racing this one saved it
      }
      if (!saved) return { duplicate: true };
      publisher.message(saved.message);
      startAfterResponse(saved.flow, 'USER');
      return { duplicate: false };
    },

    /**
     * A new attempt at a user message whose reply FAILED: a new run of its flow, which answers
     * again into the same reply (regenerating it, or resending its text). 409 unless the reply is
     * FAILED; a retry already running is this one (one attempt, however many ask).
     */
    async retry(em: EntityManager, customerId: string, id: string) {
      const message = await em.findOne(
        Message,
        { id, conversation: { chatbot: { customerId } } },
        { populate: ['conversation'] },
      );
      if (!message) throw notFound('Message');
      if (message.role !== 'USER') throw conflict('Only a user message can be retried (its reply is retried with it)');
      const reply = await findReply(em, id);
      if (reply?.deliveryStatus !== 'FAILED') throw conflict('Only a message whose reply FAILED can be retried');
      const dto = toMessageDto(message, links);
      // A retry is a send again: the customer's limit (its chatbot's and end user's budgets count
      // new messages, and this is none).
      const admission = await limits.consumeSend({ customerId });
      const channel = message.conversation.channel;
      const { started } = await startFlow(
        { ...flowOf(dto, message.conversation.chatbot.id, channel), announced: true },
        { retry: true },
      ).catch(async (err) => {
        await admission.refund();
        logger.warn({ messageId: id, err: String(err) }, 'retry not started');
        throw unavailable('The retry could not be started now; try again shortly');
      });
      // A retry already running is this one: it costs no budget and is not counted again.
      if (started) metrics.retriesAccepted.inc({ channel });
      else await admission.refund();
      return { message: 'Retry accepted', data: { message: dto, reply: toMessageDto(reply, links) } };
    },

    async get(em: EntityManager, customerId: string, id: string) {
      const message = await em.findOne(Message, { id, conversation: { chatbot: { customerId } } });
      if (!message) throw notFound('Message');
      return toMessageDto(message, links);
    },
  };
}

export type MessageService = ReturnType<typeof createMessageService>;

/** The flow's input for a saved message. */
const flowOf = (message: MessageDto, chatbotId: string, channel: Channel) => ({
  messageId: message.id,
  conversationId: message.conversationId,
  chatbotId,
  channel,
  seq: message.seq,
});

export interface ReceivedMessage {
  channel: Channel;
  externalUserId: string;
  content: string;
  metadata: Record<string, unknown>;
  externalId: string;
}

async function continueConversation(
  em: EntityManager,
  customerId: string,
  input: SendMessageInput,
): Promise<IConversation> {
  const conversation = await findOwnedConversation(em, customerId, input.conversationId!);
  if (conversation.chatbot.id !== input.chatbotId) throw notFound('Conversation');
  if (conversation.status === 'CLOSED') throw conflict('The conversation is closed');
  if (conversation.externalUserId !== input.externalUserId || conversation.channel !== input.channel) {
    throw conflict('The conversation belongs to another end user or channel');
  }
  return conversation;
}
