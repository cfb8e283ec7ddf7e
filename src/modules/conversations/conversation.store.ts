import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { notFound } from '../../errors.js';
import type { Caller } from '../../auth/tokens.js';
import { Conversation, type Channel, type IConversation } from '../../model/conversation.entity.js';

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
 * A conversation the caller may see: the customer's, and for a widget token only its end user's
 * with its chatbot on the WIDGET channel. Anything else is 404, like an id that does not exist.
 */
export async function findVisibleConversation(em: EntityManager, caller: Caller, id: string): Promise<IConversation> {
  const conversation = await findOwnedConversation(em, caller.customerId, id);
  const { widget } = caller;
  if (
    widget &&
    (conversation.chatbot.id !== widget.chatbotId ||
      conversation.externalUserId !== widget.externalUserId ||
      conversation.channel !== 'WIDGET')
  )
    throw notFound('Conversation');
  return conversation;
}
