import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../errors.js';
import type { Presenter } from '../../model/present.js';
import { Message } from '../../model/message.entity.js';
import { findOwnedConversation } from '../conversations/conversation.store.js';
import { pageBySeq } from './history.store.js';
import type { HistoryQuery } from './message.schemas.js';

/** A conversation's messages and a single message, always within one customer's chatbots. */
export function createHistory(present: Presenter) {
  return {
    /**
     * A page of a conversation's messages in ascending seq, by seq cursor or by page number. The
     * cursor read is one indexed query that also checks ownership (through the join); only an empty
     * page needs a second look, to tell "not yours" (404) from "nothing there".
     */
    async page(em: EntityManager, customerId: string, conversationId: string, query: HistoryQuery) {
      const { limit } = query;
      if (query.after !== undefined || query.before !== undefined) {
        const rows = await pageBySeq(
          em,
          { customerId, conversationId, after: query.after, before: query.before, limit: limit + 1 },
          present,
        );
        if (rows.length === 0) await findOwnedConversation(em, customerId, conversationId);
        const hasMore = rows.length > limit;
        const page = rows.slice(0, limit);
        if (query.before !== undefined) page.reverse();
        return { data: page, meta: { limit, hasMore } };
      }
      await findOwnedConversation(em, customerId, conversationId);
      const page = query.page ?? 1;
      const [rows, total] = await em.findAndCount(
        Message,
        { conversation: conversationId },
        { orderBy: { seq: 'asc' }, limit, offset: (page - 1) * limit, disableIdentityMap: true },
      );
      return {
        data: rows.map((row) => present.message(row)),
        meta: { page, limit, total, totalPages: Math.ceil(total / limit) },
      };
    },

    async get(em: EntityManager, customerId: string, id: string) {
      const message = await em.findOne(Message, { id, conversation: { chatbot: { customerId } } });
      if (!message) throw notFound('Message');
      return present.message(message);
    },
  };
}

export type History = ReturnType<typeof createHistory>;
