import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Message, toMessageDto, type DeliveryStatus, type IMessage } from '../model/message.entity.js';
import type { Publisher } from './ports.js';
import { RECEIPTS, statusesFrom, TRANSITIONS, type TransitionName } from './table.js';

type StatusTransition = 'deliver' | 'reopen' | (typeof RECEIPTS)[keyof typeof RECEIPTS];

/** A transition's `from` list as SQL: our own status constants, never input. */
export const sqlIn = (name: TransitionName) =>
  `(${statusesFrom(name)
    .map((s) => `'${s}'`)
    .join(', ')})`;

/**
 * The transitions that move a message's delivery status on their own: deliver, the receipts and
 * reopen. Each is one guarded UPDATE (a stale, repeated or concurrent call changes nothing) and
 * publishes `message:status` only when it made the change: each change once.
 */
export function createStatusChanges({ orm, publisher }: { orm: MikroORM; publisher: Publisher }) {
  const to = (name: StatusTransition) => TRANSITIONS[name].status.to;

  return {
    /**
     * deliver: a channel accepted the message. Its id there (a WhatsApp wamid) is kept whatever the
     * status, so a receipt that came first (a client's DELIVERED) never loses it.
     */
    deliver: async (message: { id: string; conversationId: string }, externalId?: string, em = orm.em.fork()) => {
      // The row is locked first, so `was` is its latest status and the change is decided once.
      const moves = `t.was in ${sqlIn('deliver')}`;
      const rows = await em.execute<{ changed: boolean }[]>(
        `with target as (select id, delivery_status as was from message where id = ? for update)
         update message m set
           delivery_status = case when ${moves} then '${to('deliver')}' else m.delivery_status end,
           updated_at = case when ${moves} then now() else m.updated_at end,
           external_id = coalesce(?::text, m.external_id),
           metadata = case when ?::text is null or ?::text is not distinct from m.external_id then m.metadata
                           else m.metadata || jsonb_build_object('externalId', ?::text) end
         from target t where m.id = t.id
         returning ${moves} as changed`,
        [message.id, externalId ?? null, externalId ?? null, externalId ?? null, externalId ?? null],
      );
      const changed = rows[0]?.changed === true;
      if (changed)
        publisher.status({ messageId: message.id, conversationId: message.conversationId, status: to('deliver') });
      return changed;
    },

    /**
     * receiveSent / receiveDelivered / receiveRead / receiveFailed: what a client or a channel
     * reports, forward only. `error`: why it failed (receiveFailed), kept in `metadata.error`.
     */
    receive: async (messageId: string, status: keyof typeof RECEIPTS, error?: unknown, em = orm.em.fork()) => {
      const name = RECEIPTS[status];
      const rows = await em.execute<{ conversation_id: string }[]>(
        `update message set delivery_status = ?, updated_at = now(),
                metadata = case when ?::jsonb is null then metadata else metadata || jsonb_build_object('error', ?::jsonb) end
          where id = ? and delivery_status in ${sqlIn(name)} returning conversation_id`,
        [to(name), jsonOrNull(error), jsonOrNull(error), messageId],
      );
      const row = rows[0];
      if (row) publisher.status({ messageId, conversationId: row.conversation_id, status: to(name) });
      return row !== undefined;
    },

    /**
     * reopen: the one way out of FAILED, for a retry (an ops reset or POST /messages/:id/retry).
     * The message goes back to PENDING in place (same id and seq), its error kept as
     * `previousError`, its channel id cleared (a retry sends anew). `refill`: a new text for a reply
     * that failed before it had one (then `message` is published again with it). Undefined when it
     * was not FAILED: of concurrent retries, exactly one reopens it.
     */
    reopen: async (
      messageId: string,
      refill?: { content: string; metadata: Record<string, unknown> },
      em = orm.em.fork(),
    ) => {
      const rows = await em.execute<Record<string, unknown>[]>(
        `update message set delivery_status = ?, updated_at = now(), external_id = null, content = coalesce(?, content),
                metadata = coalesce(?::jsonb, metadata - 'error') || jsonb_build_object('previousError', metadata -> 'error')
          where id = ? and delivery_status in ${sqlIn('reopen')} returning *`,
        [to('reopen'), refill?.content ?? null, refill ? JSON.stringify(refill.metadata) : null, messageId],
      );
      if (!rows[0]) return undefined;
      const reopened: IMessage = em.map(Message, rows[0]);
      publisher.status({ messageId, conversationId: reopened.conversation.id, status: to('reopen') });
      if (refill) publisher.message(toMessageDto(reopened));
      return reopened;
    },
  };
}

export type StatusChanges = ReturnType<typeof createStatusChanges>;

const jsonOrNull = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** The status a message has now (a receipt that changed nothing answers with it). */
export async function currentStatus(em: EntityManager, messageId: string): Promise<DeliveryStatus | undefined> {
  const rows = await em.execute<{ delivery_status: DeliveryStatus }[]>(
    'select delivery_status from message where id = ?',
    [messageId],
  );
  return rows[0]?.delivery_status;
}
