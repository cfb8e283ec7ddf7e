import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../errors.js';
import type { ChangeConversationStatus, ConversationTransition } from '../../lifecycle/conversation-status.js';
import { TRANSITIONS } from '../../lifecycle/table.js';
import type { Presenter } from '../../model/present.js';
import { findOwnedConversation } from './conversation.store.js';

/** What an agent asks for, the transition it is (src/lifecycle/table.ts), and the reason said when none is given. */
export const ACTIONS = {
  handoff: { transition: 'handOver', reason: 'an agent took over', past: 'handed off' },
  resume: { transition: 'resume', reason: 'handed back to the bot', past: 'resumed' },
  close: { transition: 'close', reason: 'closed', past: 'closed' },
} as const satisfies Record<string, { transition: ConversationTransition; reason: string; past: string }>;

export type ConversationAction = keyof typeof ACTIONS;

/**
 * An agent's (customer's) status changes of a conversation. Repeating one is a no-op that answers
 * the same (no second event); a change the status does not allow (resuming a closed conversation)
 * is a 409. Every change is published as `conversation:status` by the transition.
 */
export function createConversationActions({
  change,
  present,
}: {
  change: ChangeConversationStatus;
  present: Presenter;
}) {
  return async (
    em: EntityManager,
    customerId: string,
    conversationId: string,
    action: ConversationAction,
    reason?: string,
  ) => {
    const { transition, reason: defaultReason, past } = ACTIONS[action];
    const to = TRANSITIONS[transition].conversation.to;
    const conversation = await findOwnedConversation(em, customerId, conversationId);
    if (conversation.status !== to) {
      // Found just above, and conversations are never deleted: the change has a row to report.
      const outcome = (await change(em, transition, conversationId, reason ?? defaultReason))!;
      if (!outcome.changed && outcome.status !== to) {
        throw conflict(`A ${outcome.status.toLowerCase()} conversation cannot be ${past}`);
      }
      await em.refresh(conversation);
    }
    return present.conversation(conversation);
  };
}

export type ConversationActions = ReturnType<typeof createConversationActions>;
