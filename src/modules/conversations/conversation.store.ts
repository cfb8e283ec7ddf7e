import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { notFound } from '../../errors.js';
import type { Caller } from '../../auth/tokens.js';
import { Conversation, type Channel, type ConversationStatus, type IConversation } from './conversation.entity.js';

/** A conversation of one of the customer's chatbots, or 404 (unknown and foreign look the same). */
export async function findOwnedConversation(em: EntityManager, customerId: string, id: string): Promise<IConversation> {
  const conversation = await em.findOne(Conversation, { id, chatbot: { customerId } }, { populate: ['chatbot'] });
  if (!conversation) throw notFound('Conversation');
  return conversation;
}

/**
 * The open (non-closed) conversation of this end user with this bot on this channel, created when
 * there is none. A partial unique index makes concurrent first messages agree on one conversation.
 */
export async function findOrOpenConversation(
  em: EntityManager,
  key: { chatbotId: string; externalUserId: string; channel: Channel },
): Promise<IConversation> {
  const where = {
    chatbot: key.chatbotId,
    externalUserId: key.externalUserId,
    channel: key.channel,
    status: { $ne: 'CLOSED' as const },
  };
  const existing = await em.findOne(Conversation, where, { orderBy: { createdAt: 'desc' } });
  if (existing) return existing;
  const now = new Date();
  await em.execute(
    `insert into conversation (id, chatbot_id, external_user_id, channel, status, last_seq, created_at, updated_at)
     values (?, ?, ?, ?, 'OPEN', 0, ?, ?)
     on conflict (chatbot_id, external_user_id, channel) where status <> 'CLOSED' do nothing`,
    [randomUUID(), key.chatbotId, key.externalUserId, key.channel, now, now],
  );
  return em.findOneOrFail(Conversation, where, { orderBy: { createdAt: 'desc' } });
}

/**
 * Moves a conversation to `to` if its status is one of `from`; the guard is in the UPDATE, so of
 * concurrent or repeated changes exactly one reports `changed` (and emits the event). Undefined:
 * no such conversation.
 */
export async function changeStatus(
  em: EntityManager,
  conversationId: string,
  to: ConversationStatus,
  from: ConversationStatus[],
): Promise<{ changed: boolean; chatbotId: string; status: ConversationStatus } | undefined> {
  const rows = await em.execute<{ chatbot_id: string; status: ConversationStatus; changed: boolean }[]>(
    `with changed as (
       update conversation set status = ?, updated_at = now() where id = ? and status in (?) returning id
     )
     select c.chatbot_id, case when exists (select 1 from changed) then ? else c.status end as status,
            exists (select 1 from changed) as changed
       from conversation c where c.id = ?`,
    [to, conversationId, from, to, conversationId],
  );
  const row = rows[0];
  return row && { changed: row.changed, chatbotId: row.chatbot_id, status: row.status };
}

/**
 * A conversation the caller may see: the customer's, and for a widget token only its end user's
 * with its chatbot. Anything else is 404, like an id that does not exist.
 */
export async function findVisibleConversation(em: EntityManager, caller: Caller, id: string): Promise<IConversation> {
  const conversation = await findOwnedConversation(em, caller.customerId, id);
  const { widget } = caller;
  if (widget && (conversation.chatbot.id !== widget.chatbotId || conversation.externalUserId !== widget.externalUserId))
    throw notFound('Conversation');
  return conversation;
}
