import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Chatbot } from '../../model/chatbot.entity.js';

/** The tenant of the development demo: its own, so no customer's data is ever near it. */
export const DEMO_CUSTOMER = 'chatflow-demo';
const DEMO_NAME = 'Demo bot';

/**
 * The demo's chatbot, created on first use: anonymous visitors, no site of its own (the demo page
 * is the product's own origin, which a widget may always use). It answers with whatever LLM the
 * server has: the built-in echo model when none is configured.
 */
export async function ensureDemoChatbot(em: EntityManager): Promise<string> {
  const found = await em.findOne(Chatbot, { customerId: DEMO_CUSTOMER, name: DEMO_NAME, deletedAt: null });
  if (found) return found.id;
  const chatbot = em.create(Chatbot, {
    id: randomUUID(),
    customerId: DEMO_CUSTOMER,
    name: DEMO_NAME,
    systemPrompt: 'You are the chatflow demo bot. Answer briefly.',
    rules: [],
    widget: { allowedOrigins: [], anonymous: true },
  });
  await em.flush();
  return chatbot.id;
}
