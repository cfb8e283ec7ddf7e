import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse, uuidParam } from '../../http/validate.js';
import { toConversationDto } from './conversation.entity.js';
import { listConversations } from './conversation.listing.js';
import { listConversationsQuerySchema } from './conversation-read.schemas.js';
import { findVisibleConversation } from './conversation.store.js';
import type { WidgetScope } from '../../auth/tokens.js';
import { notFound } from '../../errors.js';
import type { FlowLinks } from '../../temporal/ui-links.js';

/** GET /conversations (cursor-paged, newest activity first) and GET /conversations/:id: the caller's only. */
export function conversationReadRoutes(orm: MikroORM, links: FlowLinks): Router {
  const router = new Router({ prefix: '/conversations' });

  router.get('/', async (ctx) => {
    const query = parse(listConversationsQuerySchema, ctx.query);
    const widget: WidgetScope | undefined = ctx.state.widget;
    if (widget) {
      // A widget token lists only its end user's conversations with its chatbot.
      if (
        (query.chatbotId ?? widget.chatbotId) !== widget.chatbotId ||
        (query.externalUserId ?? widget.externalUserId) !== widget.externalUserId
      ) {
        throw notFound('Chatbot');
      }
      Object.assign(query, { chatbotId: widget.chatbotId, externalUserId: widget.externalUserId });
    }
    ctx.body = await listConversations(orm.em.fork(), ctx.state.customerId, query, links);
  });

  router.get('/:id', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    ctx.body = { data: toConversationDto(await findVisibleConversation(orm.em.fork(), ctx.state, id), links) };
  });

  return router;
}
