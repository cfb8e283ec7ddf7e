import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { NO_FLOW_LINKS, type FlowLinks } from './links.js';
import { Chatbot } from './chatbot.entity.js';

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
    /** The last message from the end user: on WhatsApp, free text may be sent for 24 h after it. */
    lastInboundAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type IConversation = InferEntity<typeof Conversation>;

/** The public shape of a conversation (API.md section 3), with the address of its flows in the Temporal UI. */
export function toConversationDto(conversation: IConversation, links: FlowLinks = NO_FLOW_LINKS) {
  return {
    id: conversation.id,
    chatbotId: conversation.chatbot.id,
    externalUserId: conversation.externalUserId,
    channel: conversation.channel,
    status: conversation.status,
    lastMessageAt: conversation.lastMessageAt?.toISOString() ?? null,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
    ...whatsAppWindow(conversation.channel, conversation.lastInboundAt),
    links: conversationLinks(conversation.id, links),
  };
}

/** A conversation's `links`: `flows`, the list of its message flows in the Temporal UI (null without a UI). */
export function conversationLinks(conversationId: string, links: FlowLinks): { flows: string | null } {
  return { flows: links.flows(conversationId) };
}

/** WhatsApp's customer-service window: free text may be sent until 24 h after the user's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** `windowExpiresAt`, on WHATSAPP conversations only (null before the user wrote). */
export function whatsAppWindow(
  channel: Channel,
  lastInboundAt: Date | null | undefined,
): { windowExpiresAt?: string | null } {
  if (channel !== 'WHATSAPP') return {};
  return {
    windowExpiresAt: lastInboundAt ? new Date(lastInboundAt.getTime() + WHATSAPP_WINDOW_MS).toISOString() : null,
  };
}

export type ConversationDto = ReturnType<typeof toConversationDto>;
