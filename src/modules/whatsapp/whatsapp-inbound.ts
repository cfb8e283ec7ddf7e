import type { MikroORM } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { FailureTypes } from '../../../workflows/contracts.js';
import { toStorableText } from '../../http/validate.js';
import type { Logger } from '../../logger.js';
import type { Publisher } from '../../realtime/publisher.js';
import { publicFailure } from '../messages/failure-reasons.js';
import { Message, type DeliveryStatus } from '../messages/message.entity.js';
import { MAX_CONTENT } from '../messages/message.schemas.js';
import type { MessageService } from '../messages/message.service.js';
import { advanceStatus } from '../messages/message.store.js';

/** The parts of Meta's `whatsapp_business_account` webhook we read; Meta adds fields freely. */
export const whatsAppPayloadSchema = z.looseObject({
  entry: z.array(
    z.looseObject({
      changes: z.array(
        z.looseObject({
          field: z.string(),
          value: z.looseObject({
            metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
            messages: z
              .array(
                z.looseObject({
                  from: z.string().min(1).max(255),
                  id: z.string().min(1).max(255),
                  type: z.string(),
                  text: z.looseObject({ body: z.string() }).optional(),
                }),
              )
              .optional(),
            statuses: z
              .array(
                z.looseObject({
                  id: z.string().min(1).max(255),
                  status: z.string(),
                  errors: z
                    .array(
                      z.looseObject({
                        code: z.number(),
                        title: z.string().optional(),
                        message: z.string().optional(),
                        error_data: z.looseObject({ details: z.string() }).optional(),
                      }),
                    )
                    .optional(),
                }),
              )
              .optional(),
          }),
        }),
      ),
    }),
  ),
});

export type WhatsAppPayload = z.infer<typeof whatsAppPayloadSchema>;
type InboundMessage = NonNullable<WhatsAppPayload['entry'][number]['changes'][number]['value']['messages']>[number];
type StatusUpdate = NonNullable<WhatsAppPayload['entry'][number]['changes'][number]['value']['statuses']>[number];

const STATUSES: Record<string, DeliveryStatus> = {
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
export function createWhatsAppInbound({
  orm,
  messages,
  publisher,
  logger,
}: {
  orm: MikroORM;
  messages: MessageService;
  publisher: Publisher;
  logger: Logger;
}) {
  const receive = async (chatbotId: string, m: InboundMessage) => {
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
    const { duplicate } = await messages.receive(orm.em.fork(), chatbotId, {
      channel: 'WHATSAPP',
      externalUserId: m.from,
      content,
      metadata,
      externalId: m.id,
    });
    if (duplicate) logger.debug({ wamid: m.id }, 'WhatsApp redelivered a message already saved');
  };

  const applyStatus = async (chatbotId: string, update: StatusUpdate) => {
    const to = STATUSES[update.status];
    if (!to) return;
    const em = orm.em.fork();
    const message = await em.findOne(Message, { externalId: update.id, conversation: { chatbot: chatbotId } });
    if (!message)
      return logger.debug({ wamid: update.id, status: update.status }, 'WhatsApp status for a message we do not know');
    let metadata: Record<string, unknown> | undefined;
    if (to === 'FAILED') {
      const error = update.errors?.[0];
      const detail = `WhatsApp error ${error?.code ?? 'unknown'}: ${error?.error_data?.details ?? error?.message ?? error?.title ?? 'failed'}`;
      metadata = { ...message.metadata, error: publicFailure(FailureTypes.channelRejected, detail) };
    }
    if (await advanceStatus(em, message.id, to, metadata))
      publisher.status({ messageId: message.id, conversationId: message.conversation.id, status: to });
  };

  return async (chatbot: { id: string; phoneNumberId: string }, payload: WhatsAppPayload) => {
    for (const entry of payload.entry) {
      for (const { field, value } of entry.changes) {
        if (field !== 'messages') continue;
        if (value.metadata && value.metadata.phone_number_id !== chatbot.phoneNumberId) {
          logger.warn({ chatbotId: chatbot.id }, 'WhatsApp webhook for another phone number ignored');
          continue;
        }
        for (const m of value.messages ?? []) await receive(chatbot.id, m);
        for (const update of value.statuses ?? []) await applyStatus(chatbot.id, update);
      }
    }
  };
}

export type WhatsAppInbound = ReturnType<typeof createWhatsAppInbound>;

/** What Meta sends, kept storable and within a message's length. */
const storable = (text: string) => toStorableText(text).slice(0, MAX_CONTENT);
