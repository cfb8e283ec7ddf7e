import type { EntityManager } from '@mikro-orm/postgresql';
import { Conversation, type ConversationDto } from '../../model/conversation.entity.js';
import { encodeCursor, type ListConversationsQuery } from './conversation.schemas.js';
import type { Presenter } from '../../model/present.js';

export interface ConversationPage {
  data: ConversationDto[];
  meta: { limit: number; nextCursor: string | null };
}

/** ISO 8601 UTC with PostgreSQL's microseconds: a cursor's timestamps must compare exactly. */
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * The caller's conversations that existed at the snapshot `s.t` (null: now), each with its activity
 * as of t: when its newest message at that time was saved, or its creation without one. That is
 * `last_message_at` unless a message arrived after t, so only the few conversations changed since t
 * pay for the lateral lookup (message (conversation_id, seq), walked backwards). Two branches rather
 * than one CASE, so the planner sees how few those are (one CASE is costed as a lookup per row).
 */
const ACTIVITY_AS_OF_T = (mine: string) => `
  select c.*, s.t, coalesce(c.last_message_at, c.created_at) as activity
  from (select coalesce(?::timestamptz, now()) as t) s
  cross join conversation c join chatbot b on b.id = c.chatbot_id
  where ${mine} and (c.last_message_at is null or c.last_message_at <= s.t)
  union all
  select c.*, s.t, coalesce(late.created_at, c.created_at) as activity
  from (select coalesce(?::timestamptz, now()) as t) s
  cross join conversation c join chatbot b on b.id = c.chatbot_id
  left join lateral (
    select m.created_at from message m
    where m.conversation_id = c.id and m.created_at <= s.t
    order by m.seq desc limit 1
  ) late on true
  where ${mine} and c.last_message_at > s.t`;

/**
 * One page of the customer's conversations, most recently active first, by keyset cursor.
 *
 * Stable while messages arrive: the first page fixes a snapshot time t (the database's now()) and
 * every page orders by activity as of t, which later messages do not change; so a traversal returns
 * each conversation that existed at t exactly once. Conversations created after t are not part of
 * it (a new listing, or the realtime events, bring them). The rows carry their current fields.
 * A `chatbotId` of another customer is not an error: it simply matches none of the caller's rows.
 * Caveat: message times are stamped by the API process just before its commit, so a message stamped
 * before t but committed after the first page (a window of one transaction plus clock skew) can
 * still move its conversation once.
 */
export async function listConversations(
  em: EntityManager,
  customerId: string,
  query: ListConversationsQuery,
  present: Presenter,
): Promise<ConversationPage> {
  const where = ['b.customer_id = ?', 'c.created_at <= s.t'];
  const mineParams: unknown[] = [customerId];
  const filter = (sql: string, value: unknown) => {
    where.push(sql);
    mineParams.push(value);
  };
  if (query.chatbotId) filter('c.chatbot_id = ?', query.chatbotId);
  if (query.status) filter('c.status = ?', query.status);
  if (query.channel) filter('c.channel = ?', query.channel);
  if (query.externalUserId !== undefined) filter('c.external_user_id = ?', query.externalUserId);
  const snapshot = query.cursor?.t ?? null;
  const after = query.cursor ? 'where (x.activity, x.id) < (?::timestamptz, ?::uuid)' : '';

  const rows = await em.execute<(Record<string, unknown> & { cursor_t: string; cursor_at: string; id: string })[]>(
    `select x.*, to_char(x.t at time zone 'UTC', ${ISO_UTC}) as cursor_t, to_char(x.activity at time zone 'UTC', ${ISO_UTC}) as cursor_at
     from (${ACTIVITY_AS_OF_T(where.join(' and '))}) x
     ${after}
     order by x.activity desc, x.id desc
     limit ?`,
    [
      snapshot,
      ...mineParams,
      snapshot,
      ...mineParams,
      ...(query.cursor ? [query.cursor.at, query.cursor.id] : []),
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor({ t: last.cursor_t, at: last.cursor_at, id: last.id }) : null;
  return {
    data: page.map(({ cursor_t: _t, cursor_at: _at, t: _snapshot, activity: _activity, ...row }) =>
      present.conversation(em.map(Conversation, row)),
    ),
    meta: { limit: query.limit, nextCursor },
  };
}
