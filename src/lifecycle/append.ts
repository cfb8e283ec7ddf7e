import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../errors.js';
import { Message, type DeliveryStatus, type IMessage, type MessageRole } from '../model/message.entity.js';

export interface NewMessage {
  id?: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  deliveryStatus: DeliveryStatus;
  metadata?: Record<string, unknown>;
  replyToId?: string;
  /** The channel provider's id (an inbound WhatsApp message's wamid): unique. */
  externalId?: string;
}

/**
 * Saves a message with its conversation's next seq, in one statement. The seq comes from an
 * UPDATE … RETURNING on the conversation row: its lock serialises concurrent writers, so seq is
 * gap-free and unique, and `lastMessageAt` (and for a user's message `lastInboundAt`) moves with it.
 * A transition's own building block: only src/lifecycle inserts messages.
 */
export async function appendMessage(em: EntityManager, input: NewMessage): Promise<IMessage> {
  const now = new Date();
  const rows = await em.execute<Record<string, unknown>[]>(
    `with bumped as (
       update conversation set last_seq = last_seq + 1, last_message_at = ?, updated_at = ?,
              last_inbound_at = case when ? then ?::timestamptz else last_inbound_at end
        where id = ? returning last_seq
     )
     insert into message (id, conversation_id, seq, role, content, delivery_status, metadata, reply_to_id, external_id, created_at, updated_at)
     select ?, ?, b.last_seq, ?, ?, ?, ?::jsonb, ?, ?, ?, ? from bumped b
     returning *`,
    [
      now,
      now,
      input.role === 'USER',
      now,
      input.conversationId,
      input.id ?? randomUUID(),
      input.conversationId,
      input.role,
      input.content,
      input.deliveryStatus,
      JSON.stringify(input.metadata ?? {}),
      input.replyToId ?? null,
      input.externalId ?? null,
      now,
      now,
    ],
  );
  if (!rows[0]) throw notFound('Conversation');
  return em.map(Message, rows[0]);
}

/** The reply to a message, if one was saved. */
export function findReply(em: EntityManager, messageId: string): Promise<IMessage | null> {
  return em.findOne(Message, { replyToId: messageId });
}

/**
 * Saves the one reply to a message unless it has one, inside the caller's transaction: the
 * conversation row is locked first, so every writer of a reply to that conversation's messages
 * takes its turn and then sees the replies committed before it. The unique `reply_to_id` stays the
 * database's guarantee that there is never a second. `created` tells whether this call saved it.
 */
export async function saveReplyOnce(
  tx: EntityManager,
  input: NewMessage & { replyToId: string },
): Promise<{ reply: IMessage; created: boolean }> {
  await tx.execute('select 1 from conversation where id = ? for update', [input.conversationId]);
  const existing = await findReply(tx, input.replyToId);
  if (existing) return { reply: existing, created: false };
  return { reply: await appendMessage(tx, input), created: true };
}
