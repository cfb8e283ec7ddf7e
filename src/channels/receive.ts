import type { EntityManager } from '@mikro-orm/postgresql';
import { acceptUserMessage, type Accepted } from '../lifecycle/accept.js';
import type { Channel } from '../model/conversation.entity.js';
import type { Presenter } from '../model/present.js';
import { findOrOpenConversation } from '../modules/conversations/conversation.store.js';
import type { Metrics } from '../observability/metrics.js';

export interface ReceivedMessage {
  channel: Channel;
  externalUserId: string;
  content: string;
  metadata: Record<string, unknown>;
  /** The provider's id of the message (a wamid): the message is saved once per id. */
  externalId: string;
}

/**
 * A user's message that arrived through a channel's own webhook (WhatsApp): accepted
 * (acceptUserMessage) into the open conversation of its chatbot, sender and channel, once per
 * provider id however often and however concurrently the provider redelivers it, then published
 * and answered like a send. `duplicate`: it was saved before, and nothing happened now.
 */
export function createReceiver(deps: {
  present: Presenter;
  metrics: Pick<Metrics, 'sendsAccepted'>;
  announce: (accepted: Accepted) => void;
}) {
  return async (em: EntityManager, chatbotId: string, input: ReceivedMessage): Promise<{ duplicate: boolean }> => {
    const accepted = await em.transactional(async (tx): Promise<Accepted | undefined> => {
      // Redeliveries of one provider id take turns (the lock ends with the transaction), so each
      // sees whether an earlier one saved it; the unique external id stays the database's guarantee.
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`inbound:${input.externalId}`]);
      const seen = await tx.execute('select 1 from message where external_id = ?', [input.externalId]);
      if (seen.length > 0) return undefined;
      const conversation = await findOrOpenConversation(tx, {
        chatbotId,
        externalUserId: input.externalUserId,
        channel: input.channel,
      });
      const message = await acceptUserMessage(tx, {
        conversationId: conversation.id,
        content: input.content,
        metadata: input.metadata,
        externalId: input.externalId,
      });
      return { message: deps.present.message(message), chatbotId, channel: input.channel };
    });
    if (!accepted) return { duplicate: true };
    deps.announce(accepted);
    deps.metrics.sendsAccepted.inc({ channel: accepted.channel, role: 'USER' });
    return { duplicate: false };
  };
}

export type Receive = ReturnType<typeof createReceiver>;
