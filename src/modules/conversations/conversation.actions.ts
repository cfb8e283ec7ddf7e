import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../errors.js';
import type { Publisher } from '../../realtime/publisher.js';
import type { FlowLinks } from '../../temporal/ui-links.js';
import { toConversationDto, type ConversationStatus } from './conversation.entity.js';
import { changeStatus, findOwnedConversation } from './conversation.store.js';

export type ConversationAction = 'handoff' | 'resume' | 'close';

const TRANSITIONS: Record<ConversationAction, { to: ConversationStatus; from: ConversationStatus[]; reason: string }> =
  {
    handoff: { to: 'HANDOFF', from: ['OPEN'], reason: 'an agent took over' },
    resume: { to: 'OPEN', from: ['HANDOFF'], reason: 'handed back to the bot' },
    close: { to: 'CLOSED', from: ['OPEN', 'HANDOFF'], reason: 'closed' },
  };

/**
 * An agent's (customer's) status changes of a conversation. Repeating one is a no-op that answers
 * the same (no second event); a change a status does not allow (resuming a closed conversation)
 * is a 409. Every change is emitted as `conversation:status` to the conversation's room and to its
 * chatbot's room.
 */
export function createConversationActions({ publisher, links }: { publisher: Publisher; links: FlowLinks }) {
  return async (
    em: EntityManager,
    customerId: string,
    conversationId: string,
    action: ConversationAction,
    reason?: string,
  ) => {
    const { to, from, reason: defaultReason } = TRANSITIONS[action];
    const conversation = await findOwnedConversation(em, customerId, conversationId);
    if (conversation.status !== to) {
      // Found just above, and conversations are never deleted: the change has a row to report.
      const change = (await changeStatus(em, conversationId, to, from))!;
      if (!change.changed && change.status !== to)
        throw conflict(`A ${change.status.toLowerCase()} conversation cannot be ${PAST[action]}`);
      if (change.changed)
        publisher.conversationStatus({
          conversationId,
          chatbotId: change.chatbotId,
          status: to,
          reason: reason ?? defaultReason,
        });
      await em.refresh(conversation);
    }
    return toConversationDto(conversation, links);
  };
}

const PAST: Record<ConversationAction, string> = { handoff: 'handed off', resume: 'resumed', close: 'closed' };

export type ConversationActions = ReturnType<typeof createConversationActions>;
