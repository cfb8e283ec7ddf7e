import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChatMessage, LlmClient } from '../src/llm/llm.client.js';
import { Message, type IMessage } from '../src/modules/messages/message.entity.js';
import { createAnswerSaver, failedWithoutText } from '../src/modules/messages/answer-saver.js';
import type { FlowLinks } from '../src/temporal/ui-links.js';
import { boundHistory, findReply, loadHistory, type HistoryBounds } from '../src/modules/messages/message.store.js';
import type { NotifyTurn } from '../src/modules/messages/turn-finisher.js';
import type { Channels } from '../src/channels/index.js';
import type { Logger } from '../src/logger.js';
import type { Publisher } from '../src/realtime/publisher.js';
import { FailureTypes, LLM_MAX_ATTEMPTS, type GenerateInput, type GenerateResult } from '../workflows/contracts.js';
import { createDeltaBatcher } from './delta-batcher.js';
import { classifyLlmError } from './llm-failures.js';
import { classifiedSteps } from './step-errors.js';

export interface ReplyBounds {
  /** `max_tokens` for chatbots that set none. */
  maxTokens: number;
  /** The longest reply text saved (and streamed); the rest is cut and the reply marked truncated. */
  maxChars: number;
}

export interface LlmActivityDeps {
  orm: MikroORM;
  publisher: Publisher;
  llm: LlmClient;
  history: HistoryBounds;
  reply: ReplyBounds;
  notifyTurn: NotifyTurn;
  channels: Channels;
  logger: Logger;
  links: FlowLinks;
}

export function createLlmActivities({
  orm,
  publisher,
  llm,
  history,
  reply: bounds,
  notifyTurn,
  channels,
  logger,
  links,
}: LlmActivityDeps) {
  const saveAnswer = createAnswerSaver({ orm, publisher, notifyTurn, links });
  return classifiedSteps({
    /**
     * Produces and saves the reply to a user message; the same transaction ends the message's turn,
     * then the reply is published and the next message of the conversation (which will see this
     * reply) is woken. Idempotent: a retry after the reply was saved returns that reply without
     * calling the LLM again (deliver then publishes it), and the unique `reply_to_id` refuses a second.
     */
    async generate(input: GenerateInput): Promise<GenerateResult> {
      // Heartbeats from start to end, not only while tokens stream: a slow read or save must not
      // look like a dead worker (Temporal would start a second attempt beside this one).
      const ctx = Context.current();
      const heartbeat = setInterval(() => ctx.heartbeat(), 1000);
      try {
        return await generateReply(input);
      } finally {
        clearInterval(heartbeat);
      }
    },
  });

  async function generateReply({
    messageId,
    conversationId,
    seq,
    replyId,
    round = 0,
  }: GenerateInput): Promise<GenerateResult> {
    // Three independent reads at once: this is the path to the first token.
    const at = conversationId && seq !== undefined ? { conversationId, messageId, seq } : undefined;
    const [existing, message, earlier] = await Promise.all([
      findReply(orm.em.fork(), messageId),
      orm.em.fork().findOne(Message, messageId, { populate: ['conversation.chatbot'], strategy: 'joined' }),
      at ? loadHistory(orm.em.fork(), at, history.maxMessages) : undefined,
    ]);
    // A reply whose generation failed (FAILED, no text) is answered again when its flow is reset;
    // any other saved reply is the answer (a failed delivery is retried by deliver, text kept).
    const regenerating = existing && failedWithoutText(existing) ? existing : undefined;
    if (existing && !regenerating) return { replyId: existing.id, announced: false };
    if (!message) throw ApplicationFailure.nonRetryable(`Message ${messageId} not found`, FailureTypes.messageNotFound);
    if (!llm.configured) {
      throw ApplicationFailure.nonRetryable(
        'No LLM configured: set OPENAI_API_KEY or OPENAI_BASE_URL',
        FailureTypes.llmNotConfigured,
      );
    }
    // The user sees the bot at work on the channel itself (WhatsApp: read, typing), without waiting.
    channels[message.conversation.channel]
      ?.acknowledge?.(message, message.conversation)
      .catch((err) => logger.warn({ messageId, err: String(err) }, 'could not acknowledge the message on its channel'));
    const coordinates = { conversationId: message.conversation.id, messageId, seq: message.seq };
    const newestFirst = regenerating
      ? await loadHistory(orm.em.fork(), { ...coordinates, upToSeq: regenerating.seq }, history.maxMessages)
      : (earlier ?? (await loadHistory(orm.em.fork(), coordinates, history.maxMessages)));
    const prompt = buildPrompt(message, boundHistory(newestFirst, message.content.length, history.maxChars));
    const model = message.conversation.chatbot.model ?? llm.defaultModel;
    const attempt = round * LLM_MAX_ATTEMPTS + Context.current().info.attempt;
    const { text, truncated } = await streamReply({
      llm,
      publisher,
      message,
      replyId: regenerating?.id ?? replyId,
      prompt,
      model,
      attempt,
      bounds,
    });
    return saveAnswer(message, { replyId, content: text, metadata: truncated ? { model, truncated } : { model } });
  }
}

/** System prompt, then the bounded history oldest first, then the message being answered. */
function buildPrompt(message: IMessage, earlier: IMessage[]): ChatMessage[] {
  const chatbot = message.conversation.chatbot;
  const prompt: ChatMessage[] = chatbot.systemPrompt ? [{ role: 'system', content: chatbot.systemPrompt }] : [];
  for (const m of earlier) prompt.push({ role: m.role === 'USER' ? 'user' : 'assistant', content: m.content });
  prompt.push({ role: 'user', content: message.content });
  return prompt;
}

interface StreamInput {
  llm: LlmClient;
  publisher: Publisher;
  message: IMessage;
  replyId: string;
  prompt: ChatMessage[];
  model: string;
  /** Counts across every generate activity of the flow, so a client never sees one number twice. */
  attempt: number;
  bounds: ReplyBounds;
}

/** Streams the completion as `message:delta` events, heartbeating so a dead worker is noticed fast. */
async function streamReply({ llm, publisher, message, replyId, prompt, model, attempt, bounds }: StreamInput) {
  const ctx = Context.current();
  const conversationId = message.conversation.id;
  const chatbot = message.conversation.chatbot;
  const batcher = createDeltaBatcher((index, delta) =>
    publisher.delta({ messageId: replyId, conversationId, attempt, index, delta }),
  );
  publisher.typing(conversationId, true);
  try {
    const completion = await llm.complete(
      {
        model,
        temperature: chatbot.temperature ?? undefined,
        maxTokens: chatbot.maxTokens ?? bounds.maxTokens,
        messages: prompt,
      },
      {
        signal: ctx.cancellationSignal,
        maxChars: bounds.maxChars,
        onDelta: (delta) => (ctx.heartbeat(), batcher.push(delta)),
      },
    );
    if (!completion.text.trim())
      throw ApplicationFailure.retryable('LLM returned an empty reply', FailureTypes.llmUnavailable);
    return completion;
  } catch (err) {
    throw classifyLlmError(err);
  } finally {
    // Whatever this attempt produced goes out now, never after a later attempt's deltas.
    batcher.flush();
    publisher.typing(conversationId, false);
  }
}
