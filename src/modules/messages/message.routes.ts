import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse, uuidParam } from '../../http/validate.js';
import { z } from 'zod';
import { hashRequest } from './idempotency.store.js';
import type { MessageService } from './message.service.js';
import { historyQuerySchema, sendMessageSchema } from './message.schemas.js';

const conversationParam = z.object({ conversationId: z.uuid() });
const idempotencyHeader = z.object({
  'Idempotency-Key': z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
});

/** POST /messages/send and the history reads. */
export function messageRoutes(orm: MikroORM, messages: MessageService): Router {
  const router = new Router({ prefix: '/messages' });

  router.post('/send', async (ctx) => {
    const input = parse(sendMessageSchema, ctx.request.body);
    const key = parse(idempotencyHeader, { 'Idempotency-Key': ctx.get('Idempotency-Key') || undefined })['Idempotency-Key'];
    const customerId: string = ctx.state.customerId;
    const claim = key ? { customerId, key, requestHash: hashRequest(input) } : undefined;
    const { body, replayed } = await messages.send(orm.em.fork(), customerId, input, claim);
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.status = 202;
    ctx.body = body;
  });

  router.get('/conversation/:conversationId', async (ctx) => {
    const { conversationId } = parse(conversationParam, ctx.params);
    const query = parse(historyQuerySchema, ctx.query);
    ctx.body = await messages.history(orm.em.fork(), ctx.state.customerId, conversationId, query);
  });

  router.get('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    ctx.body = { data: await messages.get(orm.em.fork(), ctx.state.customerId, id) };
  });

  return router;
}
