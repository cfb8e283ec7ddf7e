import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse, uuidParam } from '../../http/validate.js';
import { toConversationDto } from './conversation.entity.js';
import { listConversations } from './conversation.listing.js';
import { listConversationsQuerySchema } from './conversation-read.schemas.js';
import { findOwnedConversation } from './conversation.store.js';

/** GET /conversations (cursor-paged, newest activity first) and GET /conversations/:id: the caller's only. */
export function conversationReadRoutes(orm: MikroORM): Router {
  const router = new Router({ prefix: '/conversations' });

  router.get('/', async (ctx) => {
    const query = parse(listConversationsQuerySchema, ctx.query);
    ctx.body = await listConversations(orm.em.fork(), ctx.state.customerId, query);
  });

  router.get('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    ctx.body = { data: toConversationDto(await findOwnedConversation(orm.em.fork(), ctx.state.customerId, id)) };
  });

  return router;
}
