import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse, uuidParam } from '../../http/validate.js';
import { z } from 'zod';
import type { MessageService } from './message.service.js';
import { historyQuerySchema, sendMessageSchema } from './message.schemas.js';

const conversationParam = z.object({ conversationId: z.uuid() });

/** POST /messages/send and the history reads. */
export function messageRoutes(orm: MikroORM, messages: MessageService): Router {
  const router = new Router({ prefix: '/messages' });

  router.post('/send', async (ctx) => {
    const input = parse(sendMessageSchema, ctx.request.body);
    const data = await messages.send(orm.em.fork(), ctx.state.customerId, input);
    ctx.status = 202;
    ctx.body = { message: 'Message accepted for processing', data };
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
