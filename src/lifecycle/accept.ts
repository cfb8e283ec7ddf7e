import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessageFlowInput } from '../../workflows/contracts.js';
import type { Logger } from '../logger.js';
import type { Channel } from '../model/conversation.entity.js';
import type { IMessage, MessageDto } from '../model/message.entity.js';
import { appendMessage } from './append.js';
import type { Publisher, StartFlow } from './ports.js';
import { TRANSITIONS } from './table.js';

/**
 * acceptUserMessage and acceptAgentMessage: the statement runs inside the caller's transaction
 * (which may also hold an Idempotency-Key and the rate limits), so the events go out through
 * `announceAccepted` once it committed. The commit is the promise: the message's turn is QUEUED,
 * and if its flow does not start now the outbox sweeper starts it.
 */

export interface AcceptedContent {
  conversationId: string;
  content: string;
  metadata?: Record<string, unknown>;
}

/** An end user's message, with the conversation's next seq; `externalId`: the channel's id for it (unique). */
export function acceptUserMessage(
  tx: EntityManager,
  input: AcceptedContent & { externalId?: string },
): Promise<IMessage> {
  return appendMessage(tx, { ...input, role: 'USER', deliveryStatus: TRANSITIONS.acceptUserMessage.status.to });
}

/** An agent's message, with the conversation's next seq, to be delivered in its turn. */
export function acceptAgentMessage(tx: EntityManager, input: AcceptedContent): Promise<IMessage> {
  return appendMessage(tx, { ...input, role: 'AGENT', deliveryStatus: TRANSITIONS.acceptAgentMessage.status.to });
}

/** What a committed accept hands on: the message as published, and where its flow comes from. */
export interface Accepted {
  message: MessageDto;
  chatbotId: string;
  channel: Channel;
}

/** The flow's input for an accepted message. */
export function flowInputOf({ message, chatbotId, channel }: Accepted): MessageFlowInput {
  return { messageId: message.id, conversationId: message.conversationId, chatbotId, channel, seq: message.seq };
}

/**
 * The events of an accept, after its commit: the `message` to the room, then the flow's start once
 * the response is on its way (setImmediate runs after the response was written, so the start's
 * own work never delays it). A start that fails leaves the message to the outbox.
 */
export function createAnnouncer({
  publisher,
  startFlow,
  logger,
}: {
  publisher: Publisher;
  startFlow: StartFlow;
  logger: Logger;
}) {
  return (accepted: Accepted): void => {
    publisher.message(accepted.message);
    setImmediate(() => {
      startFlow({ ...flowInputOf(accepted), published: true }).catch((err: unknown) =>
        logger.warn(
          { messageId: accepted.message.id, err: String(err) },
          'flow not started now; the outbox will start it',
        ),
      );
    });
  };
}
