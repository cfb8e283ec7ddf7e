import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../model/conversation.entity.js';
import { TURN_ROLES } from './turns.js';

/**
 * The outbox: accepted messages whose turn is QUEUED (no flow took them yet), and STARTED turns
 * that take suspiciously long. Reads only; the sweeper (src/temporal/outbox-sweeper.ts) acts on them.
 */

export interface QueuedMessage {
  messageId: string;
  conversationId: string;
  chatbotId: string;
  channel: Channel;
  seq: number;
}

/** Messages accepted more than `graceMs` ago whose turn is still QUEUED, oldest first. */
export async function findQueued(em: EntityManager, graceMs: number, limit = 100): Promise<QueuedMessage[]> {
  const rows = await em.execute<
    { id: string; conversation_id: string; chatbot_id: string; channel: Channel; seq: number }[]
  >(
    `select m.id, m.conversation_id, c.chatbot_id, c.channel, m.seq from message m
       join conversation c on c.id = m.conversation_id
      where m.role in ${TURN_ROLES} and m.turn_started_at is null and m.created_at < now() - make_interval(secs => ?)
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
 * Messages whose turn STARTED more than `olderThanMs` ago and is not FINISHED: normally waiting or
 * retrying; if their flow has closed (terminated, timed out), nobody else would ever finish the
 * last message of a conversation.
 */
export async function findLongUnfinished(em: EntityManager, olderThanMs: number, limit = 50): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from message
      where role in ${TURN_ROLES} and turn_finished_at is null and turn_started_at < now() - make_interval(secs => ?)
      order by turn_started_at limit ?`,
    [olderThanMs / 1000, limit],
  );
  return rows.map((r) => r.id);
}

/** Earlier messages of the conversation whose turn STARTED and is not FINISHED. */
export async function findUnfinishedBefore(em: EntityManager, conversationId: string, seq: number): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from message
      where conversation_id = ? and role in ${TURN_ROLES} and seq < ? and turn_finished_at is null and turn_started_at is not null
      order by seq`,
    [conversationId, seq],
  );
  return rows.map((r) => r.id);
}

/** Seconds since the oldest QUEUED message was accepted (0 when none): the outbox lag. */
export async function outboxLagSeconds(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ lag: string | number | null }[]>(
    `select extract(epoch from now() - min(created_at)) as lag from message where role in ${TURN_ROLES} and turn_started_at is null`,
  );
  return Math.max(0, Number(row?.lag ?? 0));
}
