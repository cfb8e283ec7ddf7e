import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Conversation } from '../conversations/conversation.entity.js';

export const MESSAGE_ROLES = ['USER', 'ASSISTANT', 'AGENT', 'SYSTEM'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export const DELIVERY_STATUSES = ['PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * A message of a conversation. `seq` orders it within the conversation (1, 2, 3…);
 * `replyTo` links an assistant reply to the user message it answers and is unique, so the
 * database itself refuses a second reply to the same message.
 */
export const Message = defineEntity({
  name: 'Message',
  tableName: 'message',
  properties: {
    id: p.uuid().primary(),
    conversation: () => p.manyToOne(Conversation),
    seq: p.integer(),
    role: p.enum(MESSAGE_ROLES),
    content: p.text(),
    deliveryStatus: p.enum(DELIVERY_STATUSES),
    metadata: p.json<Record<string, unknown>>(),
    replyToId: p.uuid().nullable(),
    /** The channel provider's id of the message (a WhatsApp wamid), once it has one. */
    externalId: p.string().length(255).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export type IMessage = InferEntity<typeof Message>;

/** The public shape of a message (API.md section 3). */
export function toMessageDto(message: IMessage) {
  return {
    id: message.id,
    conversationId: message.conversation.id,
    seq: message.seq,
    role: message.role,
    content: message.content,
    deliveryStatus: message.deliveryStatus,
    metadata: message.metadata ?? {},
    createdAt: message.createdAt.toISOString(),
    updatedAt: message.updatedAt.toISOString(),
  };
}

export type MessageDto = ReturnType<typeof toMessageDto>;
