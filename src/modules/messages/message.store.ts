import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { notFound } from '../../errors.js';
import type { FlowLinks } from '../../temporal/ui-links.js';
import {
  Message,
  messageLinks,
  toMessageDto,
  type DeliveryStatus,
  type IMessage,
  type MessageDto,
  type MessageRole,
} from './message.entity.js';
import { markDone } from './turns.store.js';

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
 * Saves a message with the conversation's next seq. The seq comes from an UPDATE … RETURNING on the
 * conversation row inside the same transaction: the row lock serialises concurrent writers, so seq
 * is gap-free and unique, and `lastMessageAt` moves with every message.
 */
export async function appendMessage(em: EntityManager, input: NewMessage): Promise<IMessage> {
  return em.transactional(
    async (tx) => {
      const now = new Date();
      const rows = await tx.execute<{ last_seq: number }[]>(
        `update conversation set last_seq = last_seq + 1, last_message_at = ?, updated_at = ?,
              last_inbound_at = case when ? then ?::timestamptz else last_inbound_at end
        where id = ? returning last_seq`,
        [now, now, input.role === 'USER', now, input.conversationId],
      );
      const seq = rows[0]?.last_seq;
      if (seq === undefined) throw notFound('Conversation');
      return tx.create(Message, {
        id: input.id ?? randomUUID(),
        conversation: input.conversationId,
        seq: Number(seq),
        role: input.role,
        content: input.content,
        deliveryStatus: input.deliveryStatus,
        metadata: input.metadata ?? {},
        replyToId: input.replyToId ?? null,
        externalId: input.externalId ?? null,
        createdAt: now,
        updatedAt: now,
      });
    },
    { propagation: 'required' },
  ); // join the caller's transaction when there is one: no savepoint
}

/**
 * One page of a conversation by seq cursor, as plain rows (no entity hydration: this is the hot
 * read a reconnecting client makes). Ownership is part of the query, through the join.
 */
export async function pageBySeq(
  em: EntityManager,
  page: { customerId: string; conversationId: string; after?: number; before?: number; limit: number },
  links: FlowLinks,
): Promise<MessageDto[]> {
  const newestFirst = page.before !== undefined;
  const rows = await em
    .createQueryBuilder(Message, 'm')
    .select(['id', 'seq', 'role', 'content', 'deliveryStatus', 'metadata', 'replyToId', 'createdAt', 'updatedAt'])
    .join('m.conversation', 'c')
    .join('c.chatbot', 'b')
    .where({
      conversation: page.conversationId,
      seq: newestFirst ? { $lt: page.before } : { $gt: page.after ?? 0 },
    })
    .andWhere({ 'b.customerId': page.customerId })
    .orderBy({ seq: newestFirst ? 'desc' : 'asc' })
    .limit(page.limit)
    .execute<
      (Omit<MessageDto, 'conversationId' | 'createdAt' | 'updatedAt' | 'links'> & {
        replyToId: string | null;
        createdAt: Date | string;
        updatedAt: Date | string;
      })[]
    >('all', true);
  return rows.map((row) => ({
    id: row.id,
    conversationId: page.conversationId,
    seq: row.seq,
    role: row.role,
    content: row.content,
    deliveryStatus: row.deliveryStatus,
    metadata: row.metadata ?? {},
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    links: messageLinks(row, links),
  }));
}

/** Which statuses each status may be reached from (API.md section 6): forward only. */
const REACHABLE_FROM: Record<DeliveryStatus, DeliveryStatus[]> = {
  PENDING: [],
  SENT: ['PENDING'],
  DELIVERED: ['PENDING', 'SENT'],
  READ: ['PENDING', 'SENT', 'DELIVERED'],
  FAILED: ['PENDING', 'SENT'],
};

/**
 * Moves a message's status forward. The guard is in the UPDATE itself, so a stale, repeated or
 * concurrent update is a no-op; true means this call made the change (emit it once, here).
 */
export async function advanceStatus(
  em: EntityManager,
  messageId: string,
  to: DeliveryStatus,
  metadata?: Record<string, unknown>,
): Promise<boolean> {
  const changes: Record<string, unknown> = { deliveryStatus: to, updatedAt: new Date() };
  if (metadata) changes.metadata = metadata;
  const updated = await em.nativeUpdate(
    Message,
    { id: messageId, deliveryStatus: { $in: REACHABLE_FROM[to] } },
    changes,
  );
  return updated === 1;
}

/**
 * The one way out of FAILED: an explicit retry (ops reset the message's flow, so its delivery runs
 * again). Back to PENDING, the old error kept as `previousError`; true if this call reopened it.
 */
export async function reopenFailed(em: EntityManager, messageId: string): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>(
    `update message set delivery_status = 'PENDING', updated_at = now(), external_id = null,
            metadata = (metadata - 'error') || jsonb_build_object('previousError', metadata -> 'error')
      where id = ? and delivery_status = 'FAILED' returning id`,
    [messageId],
  );
  return rows.length === 1;
}

/**
 * A retried generation's text into the reply that failed without one: the same id and seq, back to
 * PENDING, the old error kept as `previousError`. Undefined if it is no longer FAILED (another
 * attempt got there first): exactly one attempt fills it.
 */
export async function refillFailedReply(
  em: EntityManager,
  replyId: string,
  content: string,
  metadata: Record<string, unknown>,
  links: FlowLinks,
): Promise<MessageDto | undefined> {
  const [row] = await em.execute(
    `update message set content = ?, delivery_status = 'PENDING', updated_at = now(),
            metadata = ?::jsonb || jsonb_build_object('previousError', metadata -> 'error')
      where id = ? and delivery_status = 'FAILED'
      returning *`,
    [content, JSON.stringify(metadata), replyId],
  );
  return row && toMessageDto(em.map(Message, row), links);
}

/** Keeps the channel's id of a message (a wamid): on the row, for status updates, and in its metadata. */
export async function recordExternalId(em: EntityManager, messageId: string, externalId: string): Promise<void> {
  await em.execute(
    `update message set external_id = ?, metadata = metadata || jsonb_build_object('externalId', ?::text) where id = ?`,
    [externalId, externalId, messageId],
  );
}

/**
 * Saves the reply to a user message unless one exists; either way returns the one reply. The
 * unique `reply_to_id` decides a race between two attempts (one thought dead, one retried).
 * `finishTurn`: in the same transaction, mark the answered message done, so no one ever sees the
 * reply while the message still holds its conversation's turn. `created` tells whether this call
 * saved it: every attempt of a flow shares the reply's id, so the id cannot tell.
 */
export async function saveReplyOnce(
  orm: MikroORM,
  input: NewMessage & { replyToId: string },
  options: { finishTurn?: boolean } = {},
): Promise<{ reply: IMessage; created: boolean }> {
  try {
    const reply = await orm.em.fork().transactional(async (tx) => {
      const saved = await appendMessage(tx, input);
      if (options.finishTurn) await markDone(tx, input.replyToId);
      return saved;
    });
    return { reply, created: true };
  } catch (err) {
    if (!(err instanceof UniqueConstraintViolationException)) throw err;
    const existing = await findReply(orm.em.fork(), input.replyToId);
    if (!existing) throw err;
    return { reply: existing, created: false };
  }
}

/** The reply to a user message, if one was saved (with its conversation and chatbot loaded, on request: delivery needs them). */
export function findReply(
  em: EntityManager,
  messageId: string,
  options: { withConversation?: boolean } = {},
): Promise<IMessage | null> {
  return em.findOne(
    Message,
    { replyToId: messageId },
    options.withConversation ? { populate: ['conversation.chatbot'] } : {},
  );
}

export interface HistoryBounds {
  maxMessages: number;
  maxChars: number;
}

/**
 * The conversation as the LLM should see it when answering message `seq`: every earlier message,
 * plus the replies saved since (to earlier messages), newest first, at most `maxMessages`. Needs only the
 * message's coordinates, so it can run alongside the message's own load.
 */
export function loadHistory(
  em: EntityManager,
  at: { conversationId: string; messageId: string; seq: number; upToSeq?: number },
  maxMessages: number,
): Promise<IMessage[]> {
  return em.find(
    Message,
    {
      conversation: at.conversationId,
      // A retried answer sees the conversation as it was where its reply stands, not what came after.
      ...(at.upToSeq !== undefined && { seq: { $lt: at.upToSeq } }),
      id: { $ne: at.messageId },
      deliveryStatus: { $ne: 'FAILED' },
      content: { $ne: '' },
      // Replies to earlier messages can be saved after this message (a higher seq); an agent's
      // later message takes its turn after this one, so it is not part of this answer's context.
      $or: [{ seq: { $lt: at.seq } }, { role: 'ASSISTANT' }],
    },
    { orderBy: { seq: 'desc' }, limit: maxMessages },
  );
}

/** Keeps the newest of `newestFirst` within `maxChars` (counting the current message), oldest first. */
export function boundHistory(newestFirst: IMessage[], currentChars: number, maxChars: number): IMessage[] {
  const kept: IMessage[] = [];
  let chars = currentChars;
  for (const row of newestFirst) {
    chars += row.content.length;
    if (chars > maxChars) break;
    kept.push(row);
  }
  return kept.reverse();
}
