import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../errors.js';
import { Chatbot, type IChatbot } from '../../model/chatbot.entity.js';

/** One of the customer's live chatbots, or 404 (unknown, foreign and deleted look the same). */
export async function findOwnedChatbot(em: EntityManager, customerId: string, id: string): Promise<IChatbot> {
  const chatbot = await em.findOne(Chatbot, { id, customerId, deletedAt: null });
  if (!chatbot) throw notFound('Chatbot');
  return chatbot;
}
