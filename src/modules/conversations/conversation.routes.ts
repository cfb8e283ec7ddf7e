import { z } from 'zod';
import { notFound } from '../../errors.js';
import { json } from '../../http/openapi/responses.js';
import { route, type Route } from '../../http/route.js';
import { uuidParam } from '../../http/validate.js';
import type { Presenter } from '../../model/present.js';
import { agentMessageSchema } from '../messages/message.schemas.js';
import { conversationSchema, messageSchema } from '../../contracts/resources.js';
import type { AgentMessages } from './agent-message.js';
import type { ConversationAction, ConversationActions } from './conversation.actions.js';
import { listConversations } from './conversation.listing.js';
import { conversationReasonSchema, listConversationsQuerySchema } from './conversation.schemas.js';
import { findVisibleConversation } from './conversation.store.js';

const one = z.strictObject({ data: conversationSchema });
const tags = ['Conversations'];

export interface ConversationRouteDeps {
  present: Presenter;
  act: ConversationActions;
  sendAsAgent: AgentMessages;
}

/** Reading conversations (customer and widget tokens), and what agents do to them (customer tokens). */
export function conversationRoutes({ present, act, sendAsAgent }: ConversationRouteDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/conversations',
      access: 'widget',
      operationId: 'listConversations',
      tags,
      summary: 'List conversations, newest activity first (cursor-paged)',
      description:
        'The cursor is opaque; a traversal returns every conversation that existed when it started exactly once. A `chatbotId` that is not yours gives an empty list. `channel` filters by channel. A widget token lists only its end user’s WIDGET conversations with its chatbot (other values: 404).',
      request: { query: listConversationsQuerySchema },
      responses: {
        '200': json(
          'A page of conversations',
          z.strictObject({
            data: z.array(conversationSchema),
            meta: z.strictObject({ limit: z.number().int(), nextCursor: z.string().nullable() }),
          }),
        ),
      },
      errors: [400, 404],
      say: { 404: 'A widget token asked for another chatbot, end user or channel.' },
      handle({ query, caller, em }) {
        const { widget } = caller;
        if (widget) {
          // A widget token lists only its end user's conversations with its chatbot, on the widget.
          const asked = {
            chatbotId: query.chatbotId ?? widget.chatbotId,
            externalUserId: query.externalUserId ?? widget.externalUserId,
            channel: query.channel ?? 'WIDGET',
          };
          if (
            asked.chatbotId !== widget.chatbotId ||
            asked.externalUserId !== widget.externalUserId ||
            asked.channel !== 'WIDGET'
          )
            throw notFound('Chatbot');
          Object.assign(query, asked);
        }
        return listConversations(em, caller.customerId, query, present);
      },
    }),
    route({
      method: 'get',
      path: '/conversations/:id',
      access: 'widget',
      operationId: 'getConversation',
      tags,
      summary: 'Read a conversation',
      request: { params: uuidParam },
      responses: { '200': json('The conversation', one) },
      errors: [400, 404],
      handle: async ({ params, caller, em }) => ({
        data: present.conversation(await findVisibleConversation(em, caller, params.id)),
      }),
    }),
    route({
      method: 'post',
      path: '/conversations/:id/messages',
      access: 'customer',
      operationId: 'sendAgentMessage',
      tags,
      summary: 'Send an agent’s message into the conversation',
      description:
        'Saved as role AGENT, PENDING, with the next seq; delivered in its turn by the same durable flow as a reply.',
      request: { params: uuidParam, body: agentMessageSchema },
      responses: {
        '202': json(
          'Accepted for delivery',
          z.strictObject({
            message: z.literal('Message accepted for delivery'),
            data: z.strictObject({ message: messageSchema }),
          }),
        ),
      },
      errors: [400, 413, 415, 404, 409, 429],
      say: { 409: 'The conversation is CLOSED.' },
      handle: ({ params, body, caller, em }) => sendAsAgent(em, caller.customerId, params.id, body),
    }),
    statusChange('handoff', 'Hand the conversation to a human (HANDOFF)'),
    statusChange('resume', 'Hand the conversation back to the bot (OPEN)'),
    statusChange('close', 'Close the conversation (CLOSED)'),
  ];

  /** handoff, resume and close: one shape, three status changes. */
  function statusChange(action: ConversationAction, summary: string): Route {
    return route({
      method: 'post',
      path: `/conversations/:id/${action}`,
      access: 'customer',
      operationId: `${action}Conversation`,
      tags,
      summary,
      description:
        'A repeat of the current status is a 200 no-op without a second event. Emits `conversation:status` on a change.',
      request: { params: uuidParam, body: conversationReasonSchema },
      optionalBody: true,
      responses: { '200': json('The conversation', one) },
      errors: [400, 413, 415, 404, 409],
      say: { 409: 'The conversation’s status does not allow this change (e.g. resuming a closed conversation).' },
      handle: async ({ params, body, caller, em }) => ({
        data: await act(em, caller.customerId, params.id, action, body.reason),
      }),
    });
  }
}
