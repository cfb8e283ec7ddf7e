import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse, uuidParam } from '../../http/validate.js';
import { Chatbot, toChatbotDto } from './chatbot.entity.js';
import { findOwnedChatbot } from './chatbot.store.js';
import { createChatbotSchema, listChatbotsQuerySchema, updateChatbotSchema } from './chatbot.schemas.js';

/**
 * A customer's bots, and only theirs: create, list (paged), read, change (PATCH names only what
 * changes), delete. A deleted bot is gone from these routes and accepts no messages (404); its
 * conversations and their history stay readable.
 */
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
    const [chatbots, total] = await orm.em
      .fork()
      .findAndCount(
        Chatbot,
        { customerId: ctx.state.customerId, deletedAt: null },
        { orderBy: { createdAt: 'asc', id: 'asc' }, limit, offset: (page - 1) * limit },
      );
    ctx.body = { data: chatbots.map(toChatbotDto), meta: { page, limit, total, totalPages: Math.ceil(total / limit) } };
  });

  router.get('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    ctx.body = { data: toChatbotDto(await findOwnedChatbot(orm.em.fork(), ctx.state.customerId, id)) };
  });

  router.patch('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    const changes = parse(updateChatbotSchema, ctx.request.body);
    const em = orm.em.fork();
    const chatbot = await findOwnedChatbot(em, ctx.state.customerId, id);
    // Limits are merged: `{ limits: { userSendsPerMinute: 5 } }` leaves sendsPerMinute as it was.
    em.assign(chatbot, { ...changes, ...(changes.limits && { limits: { ...chatbot.limits, ...changes.limits } }) });
    await em.flush();
    ctx.body = { data: toChatbotDto(chatbot) };
  });

  router.delete('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    const em = orm.em.fork();
    const chatbot = await findOwnedChatbot(em, ctx.state.customerId, id);
    chatbot.deletedAt = new Date();
    await em.flush();
    ctx.status = 204;
  });

  return router;
}
