import Router from '@koa/router';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Caller, WidgetScope } from '../../auth/tokens.js';
import { notFound } from '../../errors.js';
import { findVisibleConversation } from '../conversations/conversation.store.js';
import { parse, uuidParam } from '../../http/validate.js';
import { hashRequest } from './idempotency.store.js';
import type { MessageService } from './message.service.js';
import {
  conversationParamSchema,
  historyQuerySchema,
  idempotencyHeaderSchema,
  sendMessageSchema,
  type SendMessageInput,
} from './message.schemas.js';

/**
 * A widget token sends as its end user to its chatbot: fields it leaves out come from the token
 * (the channel is the widget's), and any other chatbot, end user or conversation is a 404.
 */
function withWidgetDefaults(body: unknown, widget: WidgetScope): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return { chatbotId: widget.chatbotId, externalUserId: widget.externalUserId, channel: 'WIDGET', ...body };
}

async function requireWidgetScope(em: EntityManager, caller: Caller, input: SendMessageInput): Promise<void> {
  const { widget } = caller;
  if (input.chatbotId !== widget?.chatbotId || input.externalUserId !== widget.externalUserId)
    throw notFound('Chatbot');
  if (input.conversationId) await findVisibleConversation(em, caller, input.conversationId);
}

/** POST /messages/send and the history reads. */
export function messageRoutes(orm: MikroORM, messages: MessageService): Router {
  const router = new Router({ prefix: '/messages' });

  router.post('/send', async (ctx) => {
    const widget: WidgetScope | undefined = ctx.state.widget;
    const input = parse(sendMessageSchema, widget ? withWidgetDefaults(ctx.request.body, widget) : ctx.request.body);
    if (widget) await requireWidgetScope(orm.em.fork(), ctx.state, input);
    const key = parse(idempotencyHeaderSchema, { 'Idempotency-Key': ctx.get('Idempotency-Key') || undefined })[
      'Idempotency-Key'
    ];
    const customerId: string = ctx.state.customerId;
    const claim = key ? { customerId, key, requestHash: hashRequest(input) } : undefined;
    const { body, replayed } = await messages.send(orm.em.fork(), customerId, input, claim);
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.status = 202;
    ctx.body = body;
  });

  router.get('/conversation/:conversationId', async (ctx) => {
    const { conversationId } = parse(conversationParamSchema, ctx.params);
    const query = parse(historyQuerySchema, ctx.query);
    if (ctx.state.widget) await findVisibleConversation(orm.em.fork(), ctx.state, conversationId);
    ctx.body = await messages.history(orm.em.fork(), ctx.state.customerId, conversationId, query);
  });

  router.post('/:id/retry', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    ctx.status = 202;
    ctx.body = await messages.retry(orm.em.fork(), ctx.state.customerId, id);
  });

  router.get('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    const message = await messages.get(orm.em.fork(), ctx.state.customerId, id);
    if (ctx.state.widget)
      await findVisibleConversation(orm.em.fork(), ctx.state, message.conversationId).catch(() =>
        Promise.reject(notFound('Message')),
      );
    ctx.body = { data: message };
  });

  return router;
}
