import { z } from 'zod';

export const createChatbotSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  systemPrompt: z.string().max(8000).default(''),
  model: z.string().trim().min(1).max(200).nullable().default(null),
  temperature: z.number().min(0).max(2).nullable().default(null),
});
