import type { EntityManager } from '@mikro-orm/postgresql';
import type { ConversationStatus } from '../model/conversation.entity.js';
import type { Publisher } from './ports.js';
import { TRANSITIONS } from './table.js';

/** The transitions of a conversation's status. */
export type ConversationTransition = 'handOver' | 'resume' | 'close';

export interface ConversationChange {
  /** This call made the change (and published it). */
  changed: boolean;
  chatbotId: string;
  /** The status now. */
  status: ConversationStatus;
}

/**
 * handOver, resume and close: one guarded UPDATE, so of concurrent or repeated changes exactly
 * one reports `changed` and publishes `conversation:status` (to the conversation's room and its
 * chatbot's). Undefined: no such conversation.
 */
export function createConversationStatus({ publisher }: { publisher: Publisher }) {
  return async (
    em: EntityManager,
    name: ConversationTransition,
    conversationId: string,
    reason: string,
  ): Promise<ConversationChange | undefined> => {
    const { from, to } = TRANSITIONS[name].conversation;
    const rows = await em.execute<{ chatbot_id: string; status: ConversationStatus; changed: boolean }[]>(
      `with changed as (
         update conversation set status = ?, updated_at = now() where id = ? and status in (?) returning id
       )
       select c.chatbot_id, case when exists (select 1 from changed) then ? else c.status end as status,
              exists (select 1 from changed) as changed
         from conversation c where c.id = ?`,
      [to, conversationId, [...from], to, conversationId],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.changed) publisher.conversationStatus({ conversationId, chatbotId: row.chatbot_id, status: to, reason });
    return { changed: row.changed, chatbotId: row.chatbot_id, status: row.status };
  };
}

export type ChangeConversationStatus = ReturnType<typeof createConversationStatus>;
