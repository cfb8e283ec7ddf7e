import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { notFound } from '../../errors.js';
import { parse, uuidParam } from '../../http/validate.js';
import { Chatbot, toChatbotDto } from './chatbot.entity.js';
import { createChatbotSchema, listChatbotsQuerySchema } from './chatbot.schemas.js';

/** POST/GET /chatbots: a customer's bots, and only theirs; the list is paged (`?page=&limit=`). */
export function chatbotRoutes(orm: MikroORM): Router {
  const router = new Router({ prefix: '/chatbots' });

  router.post('/', async (ctx) => {
    const input = parse(createChatbotSchema, ctx.request.body);
    const em = orm.em.fork();
    const chatbot = em.create(Chatbot, { id: randomUUID(), customerId: ctx.state.customerId, ...input });
    await em.flush();
    ctx.status = 201;
    ctx.body = { data: toChatbotDto(chatbot) };
  });

  router.get('/', async (ctx) => {
    const { page, limit } = parse(listChatbotsQuerySchema, ctx.query);
    const [chatbots, total] = await orm.em.fork().findAndCount(
      Chatbot,
      { customerId: ctx.state.customerId },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit, offset: (page - 1) * limit },
    );
    ctx.body = { data: chatbots.map(toChatbotDto), meta: { page, limit, total, totalPages: Math.ceil(total / limit) } };
  });

  router.get('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    const chatbot = await orm.em.fork().findOne(Chatbot, { id, customerId: ctx.state.customerId });
    if (!chatbot) throw notFound('Chatbot');
    ctx.body = { data: toChatbotDto(chatbot) };
  });

  return router;
}
