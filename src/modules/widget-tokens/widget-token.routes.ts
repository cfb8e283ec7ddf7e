import { z } from 'zod';
import { signWidgetToken } from '../../auth/tokens.js';
import { json } from '../../http/openapi/responses.js';
import { route, type Route } from '../../http/route.js';
import { findOwnedChatbot } from '../chatbots/chatbot.store.js';
import { timestampSchema } from '../../contracts/resources.js';
import { mintWidgetTokenSchema } from './widget-token.schemas.js';

export const widgetTokenSchema = z.strictObject({
  data: z.strictObject({ token: z.string(), expiresAt: timestampSchema }),
});

/**
 * POST /widget-tokens (customer token): a short-lived token a website hands to its end user's
 * browser, good only for the routes declared `access: 'widget'`, as that one end user of that one
 * chatbot (src/http/router.ts fences it in).
 */
export function widgetTokenRoutes(jwtSecret: string): Route[] {
  return [
    route({
      method: 'post',
      path: '/widget-tokens',
      access: 'customer',
      operationId: 'createWidgetToken',
      tags: ['Widget tokens'],
      summary: 'Mint a widget token for one end user of one chatbot',
      description:
        'HS256 `{ sub, scope: "widget", chatbotId, externalUserId, iat, exp }`, 15 minutes unless `ttlSeconds` says otherwise. See the `widgetToken` security scheme for what it may call.',
      request: { body: mintWidgetTokenSchema },
      responses: { '201': json('The token', widgetTokenSchema) },
      errors: [400, 413, 415, 404],
      async handle({ body: { chatbotId, externalUserId, ttlSeconds }, caller, em }) {
        await findOwnedChatbot(em, caller.customerId, chatbotId);
        return { data: signWidgetToken(jwtSecret, caller.customerId, { chatbotId, externalUserId }, ttlSeconds) };
      },
    }),
  ];
}
