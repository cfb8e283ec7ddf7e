import { z } from 'zod';
import { storableText } from '../../http/validate.js';
import { timestampSchema } from '../../contracts/resources.js';

/**
 * POST /widget-sessions: the chatbot, and who the visitor is — a signed-in user of the site
 * (`userId` and its `userHash`), a returning anonymous visitor (`visitorToken`), or a new one
 * (neither). A signed-in user wins over a visitor token sent beside it.
 */
export const createWidgetSessionSchema = z
  .strictObject({
    chatbotId: z.uuid(),
    visitorToken: z.string().min(1).max(2048).optional(),
    userId: storableText()
      .min(1)
      .max(255)
      .refine((id) => id.trim() === id, 'must not start or end with white space')
      .optional(),
    userHash: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the hex HMAC-SHA256 of userId')
      .optional(),
  })
  .refine((body) => (body.userId === undefined) === (body.userHash === undefined), {
    message: 'userId and userHash go together',
    path: ['userHash'],
  });

export const widgetSessionSchema = z.strictObject({
  data: z.strictObject({
    token: z.string().meta({ description: 'A widget token (scope `widget`) for this end user of this chatbot.' }),
    expiresAt: timestampSchema,
    visitorToken: z.string().optional().meta({
      description: 'Anonymous sessions: keep it (localStorage) and send it next time to be the same visitor.',
    }),
  }),
});
