import type { ChatMessage } from '../../llm/llm.client.js';
import type { IMessage } from '../../model/message.entity.js';

/** System prompt, then the bounded history oldest first, then the message being answered. */
export function buildPrompt(message: IMessage, earlier: IMessage[]): ChatMessage[] {
  const chatbot = message.conversation.chatbot;
  const prompt: ChatMessage[] = chatbot.systemPrompt ? [{ role: 'system', content: chatbot.systemPrompt }] : [];
  for (const m of earlier) prompt.push({ role: m.role === 'USER' ? 'user' : 'assistant', content: m.content });
  prompt.push({ role: 'user', content: message.content });
  return prompt;
}
