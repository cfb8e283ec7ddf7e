import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { mintWidgetTokenSchema } from '../../modules/widget/widget-token.schemas.js';
import { timestampSchema } from './resource.schemas.js';
import { CUSTOMER, CUSTOMER_ONLY, WITH_BODY, json, jsonBody, problems } from './responses.js';

export const widgetTokenSchema = z.strictObject({
  data: z.strictObject({ token: z.string(), expiresAt: timestampSchema }),
});

/** POST /widget-tokens: a customer's backend mints a short-lived token for one end user's browser. */
export const widgetTokenPaths: ZodOpenApiPathsObject = {
  '/widget-tokens': {
    post: {
      tags: ['Widget tokens'],
      operationId: 'createWidgetToken',
      summary: 'Mint a widget token for one end user of one chatbot',
      description:
        'HS256 `{ sub, scope: "widget", chatbotId, externalUserId, iat, exp }`, 15 minutes unless `ttlSeconds` says otherwise. See the `widgetToken` security scheme for what it may call.',
      security: CUSTOMER,
      requestBody: jsonBody(mintWidgetTokenSchema),
      responses: { '201': json('The token', widgetTokenSchema), ...problems([...CUSTOMER_ONLY, ...WITH_BODY, 404]) },
    },
  },
};
