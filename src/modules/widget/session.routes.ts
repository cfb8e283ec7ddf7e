import type { Context } from 'koa';
import { isUserHash } from '../../auth/identity.js';
import { signWidgetToken } from '../../auth/tokens.js';
import type { VisitorTokens } from '../../auth/visitor-tokens.js';
import { forbidden, notFound, unauthorized } from '../../errors.js';
import { withdrawCors } from '../../http/cors.js';
import { json } from '../../http/openapi/responses.js';
import { route, type Route } from '../../http/route.js';
import { isSameOrigin } from '../../lib/origin.js';
import type { RateLimits } from '../../limits/rate-limits.js';
import { Chatbot, type IChatbot, type WidgetSettings } from '../../model/chatbot.entity.js';
import { createWidgetSessionSchema, widgetSessionSchema } from './session.schemas.js';

export interface WidgetSessionDeps {
  jwtSecret: string;
  visitors: VisitorTokens;
  limits: Pick<RateLimits, 'consumeSessionFrom' | 'consumeSessionOf'>;
  /** Life of the widget tokens minted here. */
  ttlSeconds: number;
}

/** Anonymous visitors are end users named `visitor:<uuid>`; signed-in users keep the site's own id. */
export const VISITOR_PREFIX = 'visitor:';

/**
 * POST /widget-sessions (public, for browsers): a widget token for a visitor of a chatbot's widget,
 * without the customer's backend. Counted per client address first (before any lookup), then per
 * chatbot; accepted only from a page on one of the chatbot's `widget.allowedOrigins`.
 */
export function widgetSessionRoutes(deps: WidgetSessionDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/widget-sessions',
      access: 'public',
      browser: true,
      operationId: 'createWidgetSession',
      tags: ['Widget tokens'],
      summary: 'Start a widget session: a widget token for a visitor, from a page of an allowed site',
      description:
        'Identified: `userId` and `userHash` (hex HMAC-SHA256 of `userId` keyed with the chatbot’s `widget.identitySecret`); the end user is `userId`. Anonymous (when `widget.anonymous`): a returning visitor sends its `visitorToken`, a new one sends neither and gets one; the end user is `visitor:<uuid>`. The token lives WIDGET_SESSION_TTL_SECONDS (15 minutes by default): start a new session before it ends.',
      request: { body: createWidgetSessionSchema },
      responses: { '201': json('The session', widgetSessionSchema) },
      errors: [400, 401, 403, 404, 413, 415, 429],
      say: {
        401: 'The `userHash` does not match `userId`, or the `visitorToken` is forged, altered, expired or another chatbot’s.',
        403: 'No `Origin`, or one the chatbot’s widget does not allow; or the chatbot has no widget, does not verify signed-in users, or admits only them.',
        404: 'No such chatbot.',
        429: 'Too many sessions from this address or for this chatbot: retry after `Retry-After` seconds.',
      },
      async handle({ body, ctx, em }) {
        await deps.limits.consumeSessionFrom(ctx.ip);
        const chatbot = await em.findOne(Chatbot, { id: body.chatbotId, deletedAt: null });
        if (!chatbot) throw notFound('Chatbot');
        const widget = requireOrigin(ctx, chatbot);
        await deps.limits.consumeSessionOf(chatbot.id);
        let externalUserId: string;
        let visitorToken: string | undefined;
        if (body.userId !== undefined && body.userHash !== undefined) {
          if (!widget.identitySecret)
            throw forbidden('This chatbot does not verify signed-in users: its widget has no identitySecret');
          if (!isUserHash(body.userId, body.userHash, widget.identitySecret))
            throw unauthorized('userHash is not the HMAC-SHA256 of userId with this chatbot’s identity secret');
          externalUserId = body.userId;
        } else {
          if (!widget.anonymous)
            throw forbidden('This chatbot talks only with signed-in users: send userId and userHash');
          const returning = body.visitorToken && deps.visitors.verify(body.visitorToken, chatbot.id);
          const visitor = deps.visitors.sign(chatbot.id, returning || undefined);
          externalUserId = `${VISITOR_PREFIX}${visitor.visitorId}`;
          visitorToken = visitor.visitorToken;
        }
        const session = signWidgetToken(
          deps.jwtSecret,
          chatbot.customerId,
          { chatbotId: chatbot.id, externalUserId },
          deps.ttlSeconds,
        );
        return { data: { ...session, ...(visitorToken !== undefined && { visitorToken }) } };
      },
    }),
  ];
}

/** The chatbot's widget, when the request comes from a page it allows (or the product's own pages). */
function requireOrigin(ctx: Context, chatbot: IChatbot): WidgetSettings {
  const origin = ctx.get('Origin');
  if (!origin) {
    throw forbidden('A widget session starts from a browser page: the request has no Origin');
  }
  const { widget } = chatbot;
  if (!widget) {
    withdrawCors(ctx);
    throw forbidden('This chatbot has no widget: set its widget.allowedOrigins');
  }
  if (!isSameOrigin(origin, ctx.host) && !widget.allowedOrigins.includes(origin)) {
    withdrawCors(ctx);
    throw forbidden(`Pages on ${origin} may not use this chatbot: its widget.allowedOrigins does not name that origin`);
  }
  return widget;
}
