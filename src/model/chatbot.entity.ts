import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ChatbotLimits } from '../limits/rate-limits.js';

export const ON_FAILURE = ['fallback', 'handoff'] as const;

/** A routing rule (src/routing): the first whose match fits a user message decides who answers. */
export type Rule = {
  match: { type: 'keyword' | 'regex'; value: string };
  action: { type: 'reply'; text: string } | { type: 'handoff'; text?: string };
};

export interface WhatsAppSettings {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
}

/** Who may talk to the bot from a browser (src/modules/widget-sessions). */
export interface WidgetSettings {
  /** Origins (`https://shop.example.com`) whose pages may embed the widget and call the API. */
  allowedOrigins: string[];
  /** Whether visitors who are not signed in get a session (a random end user per browser). */
  anonymous: boolean;
  /** Keys the HMAC-SHA256 of a signed-in user's id (`userHash`); never returned. */
  identitySecret?: string;
}

export interface WebhookSettings {
  url: string;
  secret: string;
}

/** A customer's bot: its prompt and model settings drive every reply of its conversations. */
export const Chatbot = defineEntity({
  name: 'Chatbot',
  tableName: 'chatbot',
  properties: {
    id: p.uuid().primary(),
    customerId: p.string().length(255),
    name: p.string().length(200),
    systemPrompt: p.text().default(''),
    model: p.string().length(200).nullable(),
    temperature: p.double().$type<number>().nullable(),
    maxTokens: p.integer().nullable(),
    /** Ordered; the first that matches a user message decides (src/routing). */
    rules: p.json<Rule[]>(),
    /** Sent when generation fails permanently or no LLM is configured (onFailure 'fallback'). */
    fallbackReply: p.text().nullable(),
    /** What a permanent generation failure does: send fallbackReply (or fail), or hand off to a human. */
    onFailure: p.enum(ON_FAILURE).default('fallback'),
    /** Where WEBHOOK conversations' replies go, and the secret that signs them (never returned). */
    webhook: p.json<WebhookSettings>().nullable(),
    /** The WhatsApp Cloud API number that answers WHATSAPP conversations, and its secrets (never returned). */
    whatsapp: p.json<WhatsAppSettings>().nullable(),
    /** Browser access: the sites that may embed its widget and who may start a session; null: none. */
    widget: p.json<WidgetSettings>().nullable(),
    /** Its own send limits (src/limits); a null member, or no object at all: the server default. */
    limits: p.json<Partial<ChatbotLimits>>().nullable(),
    /** Deleted bots accept no messages; their conversations stay readable. */
    deletedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type IChatbot = InferEntity<typeof Chatbot>;

/** The public shape of a chatbot (API.md section 3). */
export function toChatbotDto(chatbot: IChatbot) {
  return {
    id: chatbot.id,
    name: chatbot.name,
    systemPrompt: chatbot.systemPrompt,
    model: chatbot.model ?? null,
    temperature: chatbot.temperature ?? null,
    maxTokens: chatbot.maxTokens ?? null,
    rules: chatbot.rules ?? [],
    fallbackReply: chatbot.fallbackReply ?? null,
    onFailure: chatbot.onFailure,
    // Secrets are write-only: a client learns only where replies go and that a secret is set.
    webhook: chatbot.webhook ? { url: chatbot.webhook.url, secretSet: true } : null,
    whatsapp: chatbot.whatsapp ? { phoneNumberId: chatbot.whatsapp.phoneNumberId, secretsSet: true } : null,
    widget: chatbot.widget
      ? {
          allowedOrigins: chatbot.widget.allowedOrigins,
          anonymous: chatbot.widget.anonymous,
          identitySecretSet: chatbot.widget.identitySecret !== undefined,
        }
      : null,
    limits: {
      sendsPerMinute: chatbot.limits?.sendsPerMinute ?? null,
      userSendsPerMinute: chatbot.limits?.userSendsPerMinute ?? null,
    },
    createdAt: chatbot.createdAt.toISOString(),
    updatedAt: chatbot.updatedAt.toISOString(),
  };
}
