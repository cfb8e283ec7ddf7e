import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { NO_FLOW_LINKS, type FlowLinks } from './links.js';
import { Conversation } from './conversation.entity.js';

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
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type IMessage = InferEntity<typeof Message>;

/** The public shape of a message (API.md section 3), with its flow's address in the Temporal UI. */
export function toMessageDto(message: IMessage, links: FlowLinks = NO_FLOW_LINKS) {
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
    links: messageLinks(message, links),
  };
}

/**
 * Which flow a message belongs to: a user's or an agent's message has its own (`message-<id>`);
 * a reply is part of the flow of the user message it answers.
 */
export function flowMessageId(message: { id: string; role: MessageRole; replyToId?: string | null }): string | null {
  if (message.role === 'USER' || message.role === 'AGENT') return message.id;
  return message.replyToId ?? null;
}

/** A message's `links`: `flow`, its flow in the Temporal UI (null without a UI, or for a message no flow handles). */
export function messageLinks(
  message: { id: string; role: MessageRole; replyToId?: string | null },
  links: FlowLinks,
): { flow: string | null } {
  const owner = flowMessageId(message);
  return { flow: owner ? links.flow(owner) : null };
}

export type MessageDto = ReturnType<typeof toMessageDto>;
