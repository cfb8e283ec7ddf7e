import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

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
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
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
    createdAt: chatbot.createdAt.toISOString(),
    updatedAt: chatbot.updatedAt.toISOString(),
  };
}
