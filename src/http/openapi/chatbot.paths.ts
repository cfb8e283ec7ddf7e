import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import {
  createChatbotSchema,
  listChatbotsQuerySchema,
  updateChatbotSchema,
} from '../../modules/chatbots/chatbot.schemas.js';
import { uuidParam } from '../validate.js';
import { chatbotSchema, pageMetaSchema } from './resource.schemas.js';
import { CUSTOMER, CUSTOMER_ONLY, WITH_BODY, json, jsonBody, problems } from './responses.js';

const one = z.strictObject({ data: chatbotSchema });
const tags = ['Chatbots'];

/** /chatbots: a customer's bots (customer tokens only). */
export const chatbotPaths: ZodOpenApiPathsObject = {
  '/chatbots': {
    post: {
      tags,
      operationId: 'createChatbot',
      summary: 'Create a chatbot',
      security: CUSTOMER,
      requestBody: jsonBody(createChatbotSchema),
      responses: { '201': json('Created', one), ...problems([...CUSTOMER_ONLY, ...WITH_BODY]) },
    },
    get: {
      tags,
      operationId: 'listChatbots',
      summary: 'List the caller’s chatbots, oldest first, in numbered pages',
      security: CUSTOMER,
      requestParams: { query: listChatbotsQuerySchema },
      responses: {
        '200': json('A page of chatbots', z.strictObject({ data: z.array(chatbotSchema), meta: pageMetaSchema })),
        ...problems([...CUSTOMER_ONLY, 400]),
      },
    },
  },
  '/chatbots/{id}': {
    get: {
      tags,
      operationId: 'getChatbot',
      summary: 'Read a chatbot',
      security: CUSTOMER,
      requestParams: { path: uuidParam },
      responses: { '200': json('The chatbot', one), ...problems([...CUSTOMER_ONLY, 400, 404]) },
    },
    patch: {
      tags,
      operationId: 'updateChatbot',
      summary: 'Change the fields named (at least one); only those change',
      security: CUSTOMER,
      requestParams: { path: uuidParam },
      requestBody: jsonBody(updateChatbotSchema),
      responses: { '200': json('The changed chatbot', one), ...problems([...CUSTOMER_ONLY, ...WITH_BODY, 404]) },
    },
    delete: {
      tags,
      operationId: 'deleteChatbot',
      summary: 'Delete a chatbot (soft)',
      description:
        'The bot is gone from these routes and new sends to it are 404; its conversations and their history stay readable, and messages already accepted are finished (not answered).',
      security: CUSTOMER,
      requestParams: { path: uuidParam },
      responses: { '204': { description: 'Deleted' }, ...problems([...CUSTOMER_ONLY, 400, 404]) },
    },
  },
};
