import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse, uuidParam } from '../../http/validate.js';
import type { MessageService } from '../messages/message.service.js';
import { agentMessageSchema } from '../messages/message.schemas.js';
import type { ConversationActions, ConversationAction } from './conversation.actions.js';
import { conversationReasonSchema } from './conversation-actions.schemas.js';

/**
 * What a human agent does to a conversation (customer token): answer in it, take it over, hand it
 * back to the bot, close it.
 */
export function conversationActionRoutes(orm: MikroORM, messages: MessageService, act: ConversationActions): Router {
  const router = new Router({ prefix: '/conversations' });

  router.post('/:id/messages', async (ctx) => {
    const { id } = parse(uuidParam, ctx.params);
    const input = parse(agentMessageSchema, ctx.request.body);
    ctx.status = 202;
    ctx.body = await messages.sendAsAgent(orm.em.fork(), ctx.state.customerId, id, input);
  });

  for (const action of ['handoff', 'resume', 'close'] as ConversationAction[]) {
    router.post(`/:id/${action}`, async (ctx) => {
      const { id } = parse(uuidParam, ctx.params);
      const { reason } = parse(conversationReasonSchema, ctx.request.body ?? {});
      ctx.body = { data: await act(orm.em.fork(), ctx.state.customerId, id, action, reason) };
    });
  }

  return router;
}
