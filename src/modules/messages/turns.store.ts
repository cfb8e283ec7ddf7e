import type { EntityManager } from '@mikro-orm/postgresql';
import type { ConversationStatus } from '../conversations/conversation.entity.js';
import type { RoutingChatbot } from '../routing/router.js';

/**
 * Turn-taking of user messages within a conversation: a message's reply is produced only when every
 * earlier user message of the conversation is done, so replies come in send order and each sees
 * the replies before it.
 */

/** Records that the message's flow picked it up (the outbox sweeper leaves it alone from then). */
export async function markFlowStarted(em: EntityManager, messageId: string): Promise<void> {
  await em.execute('update message set flow_started_at = coalesce(flow_started_at, now()) where id = ?', [messageId]);
}

/** The roles whose messages take turns: a user's (answered by the bot) and an agent's (delivered). */
const TURN_ROLES = `('USER', 'AGENT')`;

/** What routing needs to know about a message once it is its turn, read in the same round trip. */
export interface TurnFacts {
  myTurn: boolean;
  role: 'USER' | 'AGENT';
  content: string;
  conversationId: string;
  seq: number;
  conversationStatus: ConversationStatus;
  chatbot: RoutingChatbot;
}

const FACTS = `select m.role, m.content, m.conversation_id, m.seq, c.status,
            b.rules, b.fallback_reply, b.on_failure, b.deleted_at,
            exists (select 1 from message e where e.conversation_id = m.conversation_id and e.role in ${TURN_ROLES}
                     and e.seq < m.seq and e.flow_done_at is null) as waiting
       from m join conversation c on c.id = m.conversation_id join chatbot b on b.id = c.chatbot_id`;

interface FactsRow {
  role: 'USER' | 'AGENT';
  content: string;
  conversation_id: string;
  seq: number;
  status: ConversationStatus;
  rules: RoutingChatbot['rules'];
  fallback_reply: string | null;
  on_failure: RoutingChatbot['onFailure'];
  deleted_at: Date | null;
  waiting: boolean;
}

const toFacts = (row: FactsRow | undefined): TurnFacts | undefined =>
  row && {
    myTurn: !row.waiting,
    role: row.role,
    content: row.content,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    conversationStatus: row.status,
    chatbot: {
      rules: row.rules ?? [],
      fallbackReply: row.fallback_reply,
      onFailure: row.on_failure,
      deletedAt: row.deleted_at,
    },
  };

/**
 * The first step of a flow in one round trip: takes the message off the outbox and tells whether
 * every earlier message of the conversation is done, with what routing needs. Undefined: no such
 * message (or not one that takes turns).
 */
export async function startTurn(em: EntityManager, messageId: string): Promise<TurnFacts | undefined> {
  const rows = await em.execute<FactsRow[]>(
    `with m as (
       update message set flow_started_at = coalesce(flow_started_at, now())
        where id = ? and role in ${TURN_ROLES} returning role, content, conversation_id, seq
     )
     ${FACTS}`,
    [messageId],
  );
  return toFacts(rows[0]);
}

/** The same facts again, for a message waiting for its turn. */
export async function turnFacts(em: EntityManager, messageId: string): Promise<TurnFacts | undefined> {
  const rows = await em.execute<FactsRow[]>(
    `with m as (select role, content, conversation_id, seq from message where id = ? and role in ${TURN_ROLES})
     ${FACTS}`,
    [messageId],
  );
  return toFacts(rows[0]);
}

/** Earlier user messages of the conversation whose flow started but is not done. */
export async function findUnfinishedBefore(em: EntityManager, conversationId: string, seq: number): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from message
      where conversation_id = ? and role in ${TURN_ROLES} and seq < ? and flow_done_at is null and flow_started_at is not null
      order by seq`,
    [conversationId, seq],
  );
  return rows.map((r) => r.id);
}

/** Marks a user message done (its reply is saved or failed); its coordinates, or undefined if unknown. */
export async function markDone(
  em: EntityManager,
  messageId: string,
): Promise<{ conversationId: string; seq: number } | undefined> {
  const rows = await em.execute<{ conversation_id: string; seq: number }[]>(
    'update message set flow_done_at = coalesce(flow_done_at, now()) where id = ? returning conversation_id, seq',
    [messageId],
  );
  const row = rows[0];
  return row && { conversationId: row.conversation_id, seq: Number(row.seq) };
}

/**
 * The first user message after `seq` that is not done yet. Run it as its own statement *after*
 * the done mark committed: a statement that both marked and looked would read a snapshot taken
 * before it, miss a message saved meanwhile whose flow (reading before the mark committed) then
 * waits for a signal nobody sends. Apart, one of the two always sees the other.
 */
export async function nextWaiting(
  em: EntityManager,
  at: { conversationId: string; seq: number },
): Promise<string | undefined> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from message where conversation_id = ? and role in ${TURN_ROLES} and seq > ? and flow_done_at is null order by seq limit 1`,
    [at.conversationId, at.seq],
  );
  return rows[0]?.id;
}

/** Marks the message done and returns the next user message waiting in its conversation, if any. */
export async function finishTurn(em: EntityManager, messageId: string): Promise<string | undefined> {
  const done = await markDone(em, messageId);
  return done && nextWaiting(em, done);
}

export interface UnstartedFlow {
  messageId: string;
  conversationId: string;
  chatbotId: string;
  channel: string;
  seq: number;
}

/** User messages saved more than `graceMs` ago whose flow has not picked them up (the outbox). */
export async function findUnstartedFlows(em: EntityManager, graceMs: number, limit = 100): Promise<UnstartedFlow[]> {
  const rows = await em.execute<
    { id: string; conversation_id: string; chatbot_id: string; channel: string; seq: number }[]
  >(
    `select m.id, m.conversation_id, c.chatbot_id, c.channel, m.seq from message m
       join conversation c on c.id = m.conversation_id
      where m.role in ${TURN_ROLES} and m.flow_started_at is null and m.created_at < now() - make_interval(secs => ?)
      order by m.created_at limit ?`,
    [graceMs / 1000, limit],
  );
  return rows.map((r) => ({
    messageId: r.id,
    conversationId: r.conversation_id,
    chatbotId: r.chatbot_id,
    channel: r.channel,
    seq: Number(r.seq),
  }));
}

/**
 * User messages whose flow started more than `olderThanMs` ago and which are still not done:
 * normally waiting or retrying; if their flow has closed (terminated, timed out), nobody else
 * would ever finish the last message of a conversation.
 */
export async function findLongUnfinished(em: EntityManager, olderThanMs: number, limit = 50): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from message
      where role in ${TURN_ROLES} and flow_done_at is null and flow_started_at < now() - make_interval(secs => ?)
      order by flow_started_at limit ?`,
    [olderThanMs / 1000, limit],
  );
  return rows.map((r) => r.id);
}

/** Whether the message's turn is done. */
export async function isDone(em: EntityManager, messageId: string): Promise<boolean> {
  const rows = await em.execute<{ done: boolean }[]>(
    'select flow_done_at is not null as done from message where id = ?',
    [messageId],
  );
  return rows[0]?.done ?? true;
}

/** Seconds since the oldest message of the outbox was accepted (0 when it is empty): the outbox lag. */
export async function outboxLagSeconds(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ lag: string | number | null }[]>(
    `select extract(epoch from now() - min(created_at)) as lag from message where role in ${TURN_ROLES} and flow_started_at is null`,
  );
  return Math.max(0, Number(row?.lag ?? 0));
}
