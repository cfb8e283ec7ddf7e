import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from 'zod-openapi';
import { conversationReasonSchema } from '../../modules/conversations/conversation-actions.schemas.js';
import { listConversationsQuerySchema } from '../../modules/conversations/conversation-read.schemas.js';
import { agentMessageSchema } from '../../modules/messages/message.schemas.js';
import { uuidParam } from '../validate.js';
import { conversationSchema, messageSchema } from './resource.schemas.js';
import {
  AUTHED,
  CUSTOMER,
  CUSTOMER_ONLY,
  CUSTOMER_OR_WIDGET,
  WITH_BODY,
  json,
  jsonBody,
  problems,
} from './responses.js';

const one = z.strictObject({ data: conversationSchema });
const tags = ['Conversations'];

/** handoff, resume and close: one shape, three status changes. */
function statusChange(action: 'handoff' | 'resume' | 'close', summary: string): ZodOpenApiOperationObject {
  return {
    tags,
    operationId: `${action}Conversation`,
    summary,
    description:
      'A repeat of the current status is a 200 no-op without a second event. Emits `conversation:status` on a change.',
    security: CUSTOMER,
    requestParams: { path: uuidParam },
    requestBody: jsonBody(conversationReasonSchema, false),
    responses: {
      '200': json('The conversation', one),
      ...problems([...CUSTOMER_ONLY, ...WITH_BODY, 404, 409], {
        409: 'The conversation’s status does not allow this change (e.g. resuming a closed conversation).',
      }),
    },
  };
}

/** /conversations: reading them (customer and widget tokens), and what agents do to them (customer tokens). */
export const conversationPaths: ZodOpenApiPathsObject = {
  '/conversations': {
    get: {
      tags,
      operationId: 'listConversations',
      summary: 'List conversations, newest activity first (cursor-paged)',
      description:
        'The cursor is opaque; a traversal returns every conversation that existed when it started exactly once. A `chatbotId` that is not yours gives an empty list. A widget token lists only its end user’s conversations with its chatbot (other values: 404).',
      security: CUSTOMER_OR_WIDGET,
      requestParams: { query: listConversationsQuerySchema },
      responses: {
        '200': json(
          'A page of conversations',
          z.strictObject({
            data: z.array(conversationSchema),
            meta: z.strictObject({ limit: z.number().int(), nextCursor: z.string().nullable() }),
          }),
        ),
        ...problems([...AUTHED, 400, 404], { 404: 'A widget token asked for another chatbot or end user.' }),
      },
    },
  },
  '/conversations/{id}': {
    get: {
      tags,
      operationId: 'getConversation',
      summary: 'Read a conversation',
      security: CUSTOMER_OR_WIDGET,
      requestParams: { path: uuidParam },
      responses: { '200': json('The conversation', one), ...problems([...AUTHED, 400, 404]) },
    },
  },
  '/conversations/{id}/messages': {
    post: {
      tags,
      operationId: 'sendAgentMessage',
      summary: 'Send an agent’s message into the conversation',
      description:
        'Saved as role AGENT, PENDING, with the next seq; delivered in its turn by the same durable flow as a reply.',
      security: CUSTOMER,
      requestParams: { path: uuidParam },
      requestBody: jsonBody(agentMessageSchema),
      responses: {
        '202': json(
          'Accepted for delivery',
          z.strictObject({
            message: z.literal('Message accepted for delivery'),
            data: z.strictObject({ message: messageSchema }),
          }),
        ),
        ...problems([...CUSTOMER_ONLY, ...WITH_BODY, 404, 409, 429], { 409: 'The conversation is CLOSED.' }),
      },
    },
  },
  '/conversations/{id}/handoff': { post: statusChange('handoff', 'Hand the conversation to a human (HANDOFF)') },
  '/conversations/{id}/resume': { post: statusChange('resume', 'Hand the conversation back to the bot (OPEN)') },
  '/conversations/{id}/close': { post: statusChange('close', 'Close the conversation (CLOSED)') },
};
