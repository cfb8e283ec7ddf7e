import type { EntityManager } from '@mikro-orm/postgresql';
import { FailureTypes } from '../../../workflows/contracts.js';
import { publicFailure } from '../../lifecycle/failure-reasons.js';
import type { RECEIPTS } from '../../lifecycle/table.js';
import { toStorableText } from '../../lib/text.js';
import { Message } from '../../model/message.entity.js';
import { MAX_CONTENT } from '../../modules/messages/message.schemas.js';
import type { InboundDeps } from '../channel.js';
import type { WhatsAppPayload } from './webhook.schemas.js';

type InboundMessage = NonNullable<WhatsAppPayload['entry'][number]['changes'][number]['value']['messages']>[number];
type StatusUpdate = NonNullable<WhatsAppPayload['entry'][number]['changes'][number]['value']['statuses']>[number];

/** Meta's statuses, as the receipts they are (src/lifecycle/table.ts). */
const STATUSES: Record<string, keyof typeof RECEIPTS> = {
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'READ',
  failed: 'FAILED',
};

/**
 * What a verified WhatsApp webhook says, applied: each incoming message becomes a USER message of
 * the (chatbot, sender, WHATSAPP) conversation and starts its flow — once per wamid, however often
 * Meta redelivers it; each status update moves the matching message forward only (Meta sends them
 * out of order, skips some and repeats them), each change emitted once.
 */
export function createWhatsAppInbound({ receive: accept, receipt, logger }: InboundDeps) {
  const receive = async (em: EntityManager, chatbotId: string, m: InboundMessage) => {
    const media =
      m.type === 'text'
        ? undefined
        : ((m as Record<string, unknown>)[m.type] as { id?: string; caption?: string } | undefined);
    // Not text (image, audio, location…): kept with its type and media id, and answered like any
    // message (rules and the model see "[image]"); never dropped.
    const content = (m.type === 'text' && m.text && storable(m.text.body)) || `[${m.type}]`;
    const metadata =
      m.type === 'text'
        ? {}
        : {
            whatsapp: {
              type: m.type,
              ...(media?.id && { mediaId: media.id }),
              ...(media?.caption && { caption: storable(media.caption) }),
            },
          };
    const { duplicate } = await accept(em.fork(), chatbotId, {
      channel: 'WHATSAPP',
      externalUserId: m.from,
      content,
      metadata,
      externalId: m.id,
    });
    if (duplicate) logger.debug({ wamid: m.id }, 'WhatsApp redelivered a message already saved');
  };

  const applyStatus = async (em: EntityManager, chatbotId: string, update: StatusUpdate) => {
    const to = STATUSES[update.status];
    if (!to) return;
    const message = await em.fork().findOne(Message, { externalId: update.id, conversation: { chatbot: chatbotId } });
    if (!message) {
      return logger.debug({ wamid: update.id, status: update.status }, 'WhatsApp status for a message we do not know');
    }
    const error = update.errors?.[0];
    const detail = `WhatsApp error ${error?.code ?? 'unknown'}: ${error?.error_data?.details ?? error?.message ?? error?.title ?? 'failed'}`;
    await receipt(message.id, to, to === 'FAILED' ? publicFailure(FailureTypes.channelRejected, detail) : undefined);
  };

  return async (em: EntityManager, chatbot: { id: string; phoneNumberId: string }, payload: WhatsAppPayload) => {
    for (const entry of payload.entry) {
      for (const { field, value } of entry.changes) {
        if (field !== 'messages') continue;
        if (value.metadata && value.metadata.phone_number_id !== chatbot.phoneNumberId) {
          logger.warn({ chatbotId: chatbot.id }, 'WhatsApp webhook for another phone number ignored');
          continue;
        }
        for (const m of value.messages ?? []) await receive(em, chatbot.id, m);
        for (const update of value.statuses ?? []) await applyStatus(em, chatbot.id, update);
      }
    }
  };
}

export type WhatsAppInbound = ReturnType<typeof createWhatsAppInbound>;

/** What Meta sends, kept storable and within a message's length. */
const storable = (text: string) => toStorableText(text).slice(0, MAX_CONTENT);
