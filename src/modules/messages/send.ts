import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound } from '../../errors.js';
import { acceptUserMessage, type Accepted } from '../../lifecycle/accept.js';
import { acceptIntoOpenConversation, type AcceptedUserMessage } from '../../lifecycle/accept-fast.js';
import type { Admission, ChatbotLimits, RateLimits } from '../../limits/rate-limits.js';
import { whatsAppWindow, type IConversation } from '../../model/conversation.entity.js';
import type { Presenter } from '../../model/present.js';
import type { Metrics } from '../../observability/metrics.js';
import { findOwnedChatbot } from '../chatbots/chatbot.store.js';
import { findOrOpenConversation, findOwnedConversation } from '../conversations/conversation.store.js';
import { claimKey, completeKey, type IdempotencyClaim } from './idempotency.store.js';
import type { SendMessageInput } from './message.schemas.js';

export interface SendDeps {
  /** Sends per customer, chatbot and end user: a send over a limit is a 429 and stores nothing. */
  limits: Pick<RateLimits, 'consumeSend'>;
  metrics: Pick<Metrics, 'sendsAccepted'>;
  present: Presenter;
  /** Publishes the accepted message and starts its flow after the response (lifecycle). */
  announce: (accepted: Accepted) => void;
}

/**
 * POST /messages/send: an end user's message is accepted (acceptUserMessage), its room told and
 * its durable flow started; the result is the 202 body. The 202 does not wait for Temporal: once
 * the message is committed its turn is QUEUED in the outbox, and if this start fails the sweeper
 * starts it. With an Idempotency-Key, a repeat of an earlier request returns that request's body
 * and does nothing else.
 */
export function createSender({ limits, metrics, present, announce }: SendDeps) {
  /** The 202 body of a saved message. */
  const accepted = ({ message, conversation, chatbotId }: AcceptedUserMessage) => ({
    body: { message: 'Message accepted for processing', data: { message, conversation } },
    accepted: { message, chatbotId, channel: conversation.channel },
  });

  /** The full path: opens the conversation when needed, and says exactly what is wrong (404, 409). */
  const acceptFully = async (tx: EntityManager, customerId: string, input: SendMessageInput) => {
    const chatbot = await findOwnedChatbot(tx, customerId, input.chatbotId);
    const conversation = input.conversationId
      ? await continueConversation(tx, customerId, input)
      : await findOrOpenConversation(tx, input);
    const message = await acceptUserMessage(tx, {
      conversationId: conversation.id,
      content: input.content,
      metadata: input.metadata,
    });
    const at = message.createdAt.toISOString();
    return {
      chatbotId: chatbot.id,
      message: present.message(message),
      conversation: {
        ...present.conversation(conversation),
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
        const fast = await acceptIntoOpenConversation(em, customerId, input, present);
        if (fast) return accepted(fast);
      }
      return await em.transactional(async (tx) => {
        if (claim) {
          const replay = await claimKey(tx, claim);
          if (replay) return { replay };
          admission = await admitSend(tx, customerId, input);
        }
        const saved = accepted(
          (await acceptIntoOpenConversation(tx, customerId, input, present)) ??
            (await acceptFully(tx, customerId, input)),
        );
        if (claim) await completeKey(tx, claim, saved.body);
        return saved;
      });
    } catch (err) {
      await admission?.refund();
      throw err;
    }
  };

  return async (em: EntityManager, customerId: string, input: SendMessageInput, claim?: IdempotencyClaim) => {
    const saved = await save(em, customerId, input, claim);
    if ('replay' in saved) return { body: saved.replay, replayed: true };
    announce(saved.accepted);
    metrics.sendsAccepted.inc({ channel: saved.accepted.channel, role: 'USER' });
    return { body: saved.body, replayed: false };
  };
}

export type Sender = ReturnType<typeof createSender>;

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
