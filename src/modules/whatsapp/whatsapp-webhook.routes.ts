import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { forbidden, notFound, unauthorized } from '../../errors.js';
import { parse } from '../../http/validate.js';
import { Chatbot } from '../chatbots/chatbot.entity.js';
import { whatsAppPayloadSchema, type WhatsAppInbound } from './whatsapp-inbound.js';
import { whatsAppChatbotParamSchema, whatsAppHandshakeQuerySchema } from './whatsapp-webhook.schemas.js';

/** Constant-time comparison of two strings (their lengths may differ). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Meta's webhook for one chatbot's WhatsApp number (no JWT: Meta signs instead).
 * GET answers the verification handshake; POST accepts a notification only with a valid
 * X-Hub-Signature-256 over the raw body (HMAC-SHA256 with the app secret) and stores nothing
 * otherwise.
 */
export function whatsAppWebhookRoutes(orm: MikroORM, inbound: WhatsAppInbound): Router {
  const router = new Router({ prefix: '/webhooks/whatsapp' });
  const settingsOf = async (chatbotId: string) => {
    const chatbot = await orm.em.fork().findOne(Chatbot, { id: chatbotId, deletedAt: null });
    if (!chatbot?.whatsapp) throw notFound('Chatbot');
    return chatbot.whatsapp;
  };

  router.get('/:chatbotId', async (ctx) => {
    const { chatbotId } = parse(whatsAppChatbotParamSchema, ctx.params);
    const query = parse(whatsAppHandshakeQuerySchema, ctx.query);
    const settings = await settingsOf(chatbotId);
    if (query['hub.mode'] !== 'subscribe' || !sameSecret(query['hub.verify_token'], settings.verifyToken))
      throw forbidden('The verify token does not match');
    ctx.type = 'text/plain';
    ctx.body = query['hub.challenge'];
  });

  router.post('/:chatbotId', async (ctx) => {
    const { chatbotId } = parse(whatsAppChatbotParamSchema, ctx.params);
    const settings = await settingsOf(chatbotId);
    const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
    const expected = `sha256=${createHmac('sha256', settings.appSecret).update(raw).digest('hex')}`;
    if (!sameSecret(ctx.get('x-hub-signature-256'), expected))
      throw unauthorized('Missing or invalid X-Hub-Signature-256');
    await inbound(
      { id: chatbotId, phoneNumberId: settings.phoneNumberId },
      parse(whatsAppPayloadSchema, ctx.request.body),
    );
    ctx.body = { received: true };
  });

  return router;
}
