import type { EntityManager } from '@mikro-orm/postgresql';
import type { ConversationStatus } from '../model/conversation.entity.js';
import type { RoutingChatbot } from '../routing/decide.js';

/**
 * Turn-taking within a conversation: a message is answered (or an agent's delivered) only when
 * every earlier user or agent message of the conversation has FINISHED its turn, so replies come
 * in send order and each sees the replies before it. The statements behind startTurn and
 * finishTurn (src/lifecycle/table.ts), and the reads of whose turn it is.
 */

/** The roles whose messages take turns: a user's (answered by the bot) and an agent's (delivered). */
export const TURN_ROLES = `('USER', 'AGENT')`;

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
                     and e.seq < m.seq and e.turn_finished_at is null) as waiting
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
 * startTurn's statement: QUEUED → STARTED (a STARTED one stays as it is), and in the same round
 * trip whether every earlier message is FINISHED, with what routing needs. Undefined: no such
 * message (or not one that takes turns).
 */
export async function markStarted(em: EntityManager, messageId: string): Promise<TurnFacts | undefined> {
  const rows = await em.execute<FactsRow[]>(
    `with m as (
       update message set turn_started_at = coalesce(turn_started_at, now())
        where id = ? and role in ${TURN_ROLES} returning role, content, conversation_id, seq
     )
     ${FACTS}`,
    [messageId],
  );
  return toFacts(rows[0]);
}

/** The same facts again, for a message waiting for its turn. */
export async function readTurn(em: EntityManager, messageId: string): Promise<TurnFacts | undefined> {
  const rows = await em.execute<FactsRow[]>(
    `with m as (select role, content, conversation_id, seq from message where id = ? and role in ${TURN_ROLES})
     ${FACTS}`,
    [messageId],
  );
  return toFacts(rows[0]);
}

/** finishTurn's statement: the turn is FINISHED (it stays so); the message's place, or undefined if unknown. */
export async function markFinished(
  em: EntityManager,
  messageId: string,
): Promise<{ conversationId: string; seq: number } | undefined> {
  const rows = await em.execute<{ conversation_id: string; seq: number }[]>(
    'update message set turn_finished_at = coalesce(turn_finished_at, now()) where id = ? returning conversation_id, seq',
    [messageId],
  );
  const row = rows[0];
  return row && { conversationId: row.conversation_id, seq: Number(row.seq) };
}

/**
 * The first message after `seq` whose turn is not FINISHED. Run it as its own statement *after*
 * the finish committed: a statement that both marked and looked would read a snapshot taken
 * before it, miss a message saved meanwhile whose flow (reading before the mark committed) then
 * waits for a signal nobody sends. Apart, one of the two always sees the other.
 */
export async function nextWaiting(
  em: EntityManager,
  at: { conversationId: string; seq: number },
): Promise<string | undefined> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from message where conversation_id = ? and role in ${TURN_ROLES} and seq > ? and turn_finished_at is null order by seq limit 1`,
    [at.conversationId, at.seq],
  );
  return rows[0]?.id;
}

/** Whether the message's turn is FINISHED (an unknown message counts as finished: nothing waits on it). */
export async function isFinished(em: EntityManager, messageId: string): Promise<boolean> {
  const rows = await em.execute<{ finished: boolean }[]>(
    'select turn_finished_at is not null as finished from message where id = ?',
    [messageId],
  );
  return rows[0]?.finished ?? true;
}
