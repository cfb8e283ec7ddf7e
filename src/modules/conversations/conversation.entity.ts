import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Chatbot } from '../chatbots/chatbot.entity.js';

export const CHANNELS = ['WIDGET', 'WEBHOOK', 'WHATSAPP'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CONVERSATION_STATUSES = ['OPEN', 'HANDOFF', 'CLOSED'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/**
 * One end user talking to one chatbot over one channel. `lastSeq` is the seq counter of its
 * messages: incremented in the same statement that locks the row, so seq never repeats.
 */
export const Conversation = defineEntity({
  name: 'Conversation',
  tableName: 'conversation',
  properties: {
    id: p.uuid().primary(),
    chatbot: () => p.manyToOne(Chatbot),
    externalUserId: p.string().length(255),
    channel: p.enum(CHANNELS),
    status: p.enum(CONVERSATION_STATUSES).default('OPEN'),
    lastSeq: p.integer().default(0),
    lastMessageAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export type IConversation = InferEntity<typeof Conversation>;

/** The public shape of a conversation (API.md section 3). */
export function toConversationDto(conversation: IConversation) {
  return {
    id: conversation.id,
    chatbotId: conversation.chatbot.id,
    externalUserId: conversation.externalUserId,
    channel: conversation.channel,
    status: conversation.status,
    lastMessageAt: conversation.lastMessageAt?.toISOString() ?? null,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
  };
}

export type ConversationDto = ReturnType<typeof toConversationDto>;
