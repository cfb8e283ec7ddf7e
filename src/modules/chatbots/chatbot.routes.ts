import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { json } from '../../http/openapi/responses.js';
import { route, type Route } from '../../http/route.js';
import { uuidParam } from '../../http/validate.js';
import { Chatbot, toChatbotDto } from '../../model/chatbot.entity.js';
import { chatbotSchema, pageMetaSchema } from '../../contracts/resources.js';
import { createChatbotSchema, listChatbotsQuerySchema, updateChatbotSchema } from './chatbot.schemas.js';
import { findOwnedChatbot } from './chatbot.store.js';
import { widgetSettings } from './widget-settings.js';

const one = z.strictObject({ data: chatbotSchema });
const tags = ['Chatbots'];

/**
 * A customer's bots, and only theirs: create, list (paged), read, change (PATCH names only what
 * changes), delete. A deleted bot is gone from these routes and accepts no messages (404); its
 * conversations and their history stay readable.
 */
export function chatbotRoutes(): Route[] {
  return [
    route({
      method: 'post',
      path: '/chatbots',
      access: 'customer',
      operationId: 'createChatbot',
      tags,
      summary: 'Create a chatbot',
      request: { body: createChatbotSchema },
      responses: { '201': json('Created', one) },
      errors: [400, 413, 415],
      async handle({ body, caller, em }) {
        const chatbot = em.create(Chatbot, {
          id: randomUUID(),
          customerId: caller.customerId,
          ...body,
          widget: widgetSettings(body.widget),
        });
        await em.flush();
        return { data: toChatbotDto(chatbot) };
      },
    }),
    route({
      method: 'get',
      path: '/chatbots',
      access: 'customer',
      operationId: 'listChatbots',
      tags,
      summary: 'List the caller’s chatbots, oldest first, in numbered pages',
      request: { query: listChatbotsQuerySchema },
      responses: {
        '200': json('A page of chatbots', z.strictObject({ data: z.array(chatbotSchema), meta: pageMetaSchema })),
      },
      errors: [400],
      async handle({ query: { page, limit }, caller, em }) {
        const [chatbots, total] = await em.findAndCount(
          Chatbot,
          { customerId: caller.customerId, deletedAt: null },
          { orderBy: { createdAt: 'asc', id: 'asc' }, limit, offset: (page - 1) * limit },
        );
        return { data: chatbots.map(toChatbotDto), meta: { page, limit, total, totalPages: Math.ceil(total / limit) } };
      },
    }),
    route({
      method: 'get',
      path: '/chatbots/:id',
      access: 'customer',
      operationId: 'getChatbot',
      tags,
      summary: 'Read a chatbot',
      request: { params: uuidParam },
      responses: { '200': json('The chatbot', one) },
      errors: [400, 404],
      handle: async ({ params, caller, em }) => ({
        data: toChatbotDto(await findOwnedChatbot(em, caller.customerId, params.id)),
      }),
    }),
    route({
      method: 'patch',
      path: '/chatbots/:id',
      access: 'customer',
      operationId: 'updateChatbot',
      tags,
      summary: 'Change the fields named (at least one); only those change',
      request: { params: uuidParam, body: updateChatbotSchema },
      responses: { '200': json('The changed chatbot', one) },
      errors: [400, 413, 415, 404],
      async handle({ params, body: changes, caller, em }) {
        const chatbot = await findOwnedChatbot(em, caller.customerId, params.id);
        // Limits are merged: `{ limits: { userSendsPerMinute: 5 } }` leaves sendsPerMinute as it was;
        // a widget's secret left out is kept.
        em.assign(chatbot, {
          ...changes,
          ...(changes.limits && { limits: { ...chatbot.limits, ...changes.limits } }),
          ...(changes.widget !== undefined && { widget: widgetSettings(changes.widget, chatbot.widget) }),
        });
        await em.flush();
        return { data: toChatbotDto(chatbot) };
      },
    }),
    route({
      method: 'delete',
      path: '/chatbots/:id',
      access: 'customer',
      operationId: 'deleteChatbot',
      tags,
      summary: 'Delete a chatbot (soft)',
      description:
        'The bot is gone from these routes and new sends to it are 404; its conversations and their history stay readable, and messages already accepted are finished (not answered).',
      request: { params: uuidParam },
      responses: { '204': { description: 'Deleted' } },
      errors: [400, 404],
      async handle({ params, caller, em }) {
        const chatbot = await findOwnedChatbot(em, caller.customerId, params.id);
        chatbot.deletedAt = new Date();
        await em.flush();
      },
    }),
  ];
}
