import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { forbidden, notFound, unauthorized } from '../../errors.js';
import { json } from '../../http/openapi/responses.js';
import { route, type Route } from '../../http/route.js';
import { Chatbot, type WhatsAppSettings } from '../../model/chatbot.entity.js';
import type { InboundDeps } from '../channel.js';
import { createWhatsAppInbound } from './inbound.js';
import { whatsAppChatbotParamSchema, whatsAppHandshakeQuerySchema, whatsAppPayloadSchema } from './webhook.schemas.js';

const tags = ['WhatsApp'];
const NOT_SET_UP = 'Unknown chatbot, or one without WhatsApp settings.';

const signatureHeader = z.object({
  'X-Hub-Signature-256': z
    .string()
    .meta({ description: '`sha256=<hex HMAC-SHA256(app secret, raw body)>`, as Meta signs it.', example: 'sha256=…' }),
});

/** Constant-time comparison of two strings (their lengths may differ). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Meta's webhook for one chatbot's WhatsApp number (no JWT: Meta signs instead). GET answers the
 * verification handshake; POST accepts a notification only with a valid X-Hub-Signature-256 over
 * the raw body (HMAC-SHA256 with the app secret), checked before the body is even parsed, and
 * stores nothing otherwise.
 */
export function whatsAppWebhookRoutes(deps: InboundDeps): Route[] {
  const apply = createWhatsAppInbound(deps);
  const settingsOf = async (em: EntityManager, chatbotId: string): Promise<WhatsAppSettings> => {
    const chatbot = await em.findOne(Chatbot, { id: chatbotId, deletedAt: null });
    if (!chatbot?.whatsapp) throw notFound('Chatbot');
    return chatbot.whatsapp;
  };

  return [
    route({
      method: 'get',
      path: '/webhooks/whatsapp/:chatbotId',
      access: 'public',
      operationId: 'whatsAppHandshake',
      tags,
      summary: 'Meta’s verification handshake',
      description:
        'Answers `hub.challenge` when `hub.mode` is `subscribe` and `hub.verify_token` is the chatbot’s verify token.',
      request: { params: whatsAppChatbotParamSchema, query: whatsAppHandshakeQuerySchema },
      responses: { '200': { description: 'The challenge, echoed', content: { 'text/plain': { schema: z.string() } } } },
      errors: [400, 403, 404, 503],
      say: { 403: 'The verify token does not match.', 404: NOT_SET_UP },
      async handle({ params, query, ctx, em }) {
        const settings = await settingsOf(em, params.chatbotId);
        if (query['hub.mode'] !== 'subscribe' || !sameSecret(query['hub.verify_token'], settings.verifyToken)) {
          throw forbidden('The verify token does not match');
        }
        ctx.type = 'text/plain';
        return query['hub.challenge'];
      },
    }),
    route({
      method: 'post',
      path: '/webhooks/whatsapp/:chatbotId',
      access: 'public',
      operationId: 'whatsAppNotification',
      tags,
      summary: 'Meta’s notifications: inbound messages and delivery statuses',
      description:
        'Accepted only with a valid `X-Hub-Signature-256` over the raw body; nothing is stored otherwise. Repeats are dropped by WhatsApp message id.',
      request: { params: whatsAppChatbotParamSchema, headers: signatureHeader, body: whatsAppPayloadSchema },
      async verify({ params, ctx, em }) {
        const settings = await settingsOf(em, params.chatbotId);
        const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
        const expected = `sha256=${createHmac('sha256', settings.appSecret).update(raw).digest('hex')}`;
        if (!sameSecret(ctx.get('x-hub-signature-256'), expected))
          throw unauthorized('Missing or invalid X-Hub-Signature-256');
        return settings;
      },
      responses: { '200': json('Received', z.strictObject({ received: z.literal(true) })) },
      errors: [400, 413, 415, 401, 404, 503],
      say: { 401: 'Missing or invalid X-Hub-Signature-256.', 404: NOT_SET_UP },
      async handle({ params, body, verified, em }) {
        const settings = verified as WhatsAppSettings;
        await apply(em, { id: params.chatbotId, phoneNumberId: settings.phoneNumberId }, body);
        return { received: true };
      },
    }),
  ];
}
