import { z } from 'zod';

/** The chatbot whose WhatsApp number Meta calls about. */
export const whatsAppChatbotParamSchema = z.object({ chatbotId: z.uuid() });

/** Meta's verification handshake (GET): echo `hub.challenge` when the verify token matches. */
export const whatsAppHandshakeQuerySchema = z.object({
  'hub.mode': z.string(),
  'hub.verify_token': z.string(),
  'hub.challenge': z.string().max(1024),
});
