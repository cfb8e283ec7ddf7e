import type { FailurePlan, Route } from '../../workflows/contracts.js';
import type { IChatbot } from '../model/chatbot.entity.js';
import type { ConversationStatus } from '../model/conversation.entity.js';
import { matchRule } from './rules.js';

export type Decision = Exclude<Route, { myTurn: false }>;

/** The chatbot settings routing reads. */
export type RoutingChatbot = Pick<IChatbot, 'rules' | 'fallbackReply' | 'onFailure' | 'deletedAt'>;

/**
 * Who answers a user message, in this order: nobody while a human has the conversation (or it is
 * closed, or its bot was deleted); else the first matching rule; else the LLM, with the chatbot's
 * plan for a permanent failure.
 */
export function decideRoute(input: {
  conversationStatus: ConversationStatus;
  content: string;
  chatbot: RoutingChatbot;
}): Decision {
  const { conversationStatus, chatbot, content } = input;
  if (conversationStatus === 'HANDOFF')
    return { myTurn: true, responder: 'NONE', reason: 'conversation is handed off to a human' };
  if (conversationStatus === 'CLOSED') return { myTurn: true, responder: 'NONE', reason: 'conversation is closed' };
  if (chatbot.deletedAt) return { myTurn: true, responder: 'NONE', reason: 'chatbot was deleted' };
  const matched = matchRule(chatbot.rules ?? [], content);
  if (matched) {
    const { match, action } = matched.rule;
    return {
      myTurn: true,
      responder: 'RULE',
      rule: matched.index,
      match: `${match.type} ${JSON.stringify(match.value)}`,
      action: action.type,
      ...(action.text !== undefined && { text: action.text }),
    };
  }
  const onFailure = failurePlan(chatbot);
  return { myTurn: true, responder: 'LLM', ...(onFailure && { onFailure }) };
}

function failurePlan(chatbot: RoutingChatbot): FailurePlan | undefined {
  if (chatbot.onFailure === 'handoff') return { action: 'handoff' };
  return chatbot.fallbackReply ? { action: 'reply', text: chatbot.fallbackReply } : undefined;
}
