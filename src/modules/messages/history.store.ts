import type { EntityManager } from '@mikro-orm/postgresql';
import type { Presenter } from '../../model/present.js';
import { Message, type IMessage, type MessageDto } from '../../model/message.entity.js';

/** Reads of a conversation's messages: a page for a client, the history a prompt is built from. */

/**
 * One page of a conversation by seq cursor, as plain rows (no entity hydration: this is the hot
 * read a reconnecting client makes). Ownership is part of the query, through the join.
 */
export async function pageBySeq(
  em: EntityManager,
  page: { customerId: string; conversationId: string; after?: number; before?: number; limit: number },
  present: Presenter,
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
    links: present.messageLinks(row),
  }));
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
