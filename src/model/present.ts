import { conversationLinks, toConversationDto, type IConversation } from './conversation.entity.js';
import type { FlowLinks } from './links.js';
import { messageLinks, toMessageDto, type IMessage, type MessageRole } from './message.entity.js';

/**
 * How resources look to the API's clients and the customer's own systems (API.md section 3),
 * with the ops links into the Temporal UI this deployment knows. Made once by the composition
 * root and handed to whatever answers them; realtime events carry the same shapes with null links.
 */
export function createPresenter(links: FlowLinks) {
  return {
    message: (message: IMessage) => toMessageDto(message, links),
    conversation: (conversation: IConversation) => toConversationDto(conversation, links),
    /** A message's `links`, for rows read without their entity (the hot reads). */
    messageLinks: (message: { id: string; role: MessageRole; replyToId?: string | null }) =>
      messageLinks(message, links),
    /** A conversation's `links`, by its id. */
    conversationLinks: (conversationId: string) => conversationLinks(conversationId, links),
  };
}

export type Presenter = ReturnType<typeof createPresenter>;
