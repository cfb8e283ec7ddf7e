import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../errors.js';
import { acceptAgentMessage, type Accepted } from '../../lifecycle/accept.js';
import type { Admission, RateLimits } from '../../limits/rate-limits.js';
import type { Presenter } from '../../model/present.js';
import type { Metrics } from '../../observability/metrics.js';
import type { AgentMessageInput } from '../messages/message.schemas.js';
import { findOwnedConversation } from './conversation.store.js';

export interface AgentMessageDeps {
  limits: Pick<RateLimits, 'consumeSend'>;
  metrics: Pick<Metrics, 'sendsAccepted'>;
  present: Presenter;
  /** Publishes the accepted message and starts its flow after the response (lifecycle). */
  announce: (accepted: Accepted) => void;
}

/**
 * An agent's message into a conversation (acceptAgentMessage): saved PENDING with the
 * conversation's next seq and delivered by its own durable flow in its turn — after every earlier
 * message of the conversation is answered, before every later one — through the same outbox as
 * users'. It counts against the customer's and the chatbot's limits (an agent is not an end user).
 */
export function createAgentMessages({ limits, metrics, present, announce }: AgentMessageDeps) {
  return async (em: EntityManager, customerId: string, conversationId: string, input: AgentMessageInput) => {
    let admission: Admission | undefined;
    const accepted = await em
      .transactional(async (tx) => {
        const conversation = await findOwnedConversation(tx, customerId, conversationId);
        if (conversation.status === 'CLOSED') throw conflict('The conversation is closed');
        if (conversation.chatbot.deletedAt) throw conflict('The conversation’s chatbot was deleted');
        admission = await limits.consumeSend({
          customerId,
          chatbot: { id: conversation.chatbot.id, limits: conversation.chatbot.limits },
        });
        const message = await acceptAgentMessage(tx, {
          conversationId,
          content: input.content,
          metadata: input.metadata,
        });
        return {
          message: present.message(message),
          chatbotId: conversation.chatbot.id,
          channel: conversation.channel,
        };
      })
      .catch(async (err: unknown) => {
        await admission?.refund();
        throw err;
      });
    announce(accepted);
    metrics.sendsAccepted.inc({ channel: accepted.channel, role: 'AGENT' });
    return { message: 'Message accepted for delivery', data: { message: accepted.message } };
  };
}

export type AgentMessages = ReturnType<typeof createAgentMessages>;
