import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { FailureTypes, LLM_MAX_ATTEMPTS, type FlowSteps, type GenerateInput } from '../workflows/contracts.js';
import type { Channels } from '../src/channels/index.js';
import { findReply } from '../src/lifecycle/append.js';
import type { Lifecycle } from '../src/lifecycle/index.js';
import { failedWithoutText } from '../src/lifecycle/save-answer.js';
import type { ChatMessage, LlmClient } from '../src/llm/llm.client.js';
import type { Logger } from '../src/logger.js';
import { Message, type IMessage } from '../src/model/message.entity.js';
import { boundHistory, loadHistory, type HistoryBounds } from '../src/modules/messages/history.store.js';
import { buildPrompt } from '../src/modules/messages/prompt.js';
import { classifyLlmError } from './llm-failures.js';

export interface ReplyBounds {
  /** `max_tokens` for chatbots that set none. */
  maxTokens: number;
  /** The longest reply text saved (and streamed); the rest is cut and the reply marked truncated. */
  maxChars: number;
}

export interface LlmStepDeps {
  orm: MikroORM;
  lifecycle: Lifecycle;
  llm: LlmClient;
  channels: Channels;
  logger: Logger;
  history: HistoryBounds;
  reply: ReplyBounds;
}

/** The LLM step: load, stream the model's answer, save it. */
export function createLlmSteps({ orm, lifecycle, llm, channels, logger, history, reply: bounds }: LlmStepDeps) {
  /** One attempt at the model's answer, streamed (stream), classified for Temporal when it fails. */
  const complete = async (message: IMessage, replyId: string, prompt: ChatMessage[], attempt: number) => {
    const ctx = Context.current();
    const chatbot = message.conversation.chatbot;
    const stream = lifecycle.stream({ messageId: replyId, conversationId: message.conversation.id, attempt });
    try {
      const completion = await llm.complete(
        {
          model: chatbot.model ?? llm.defaultModel,
          temperature: chatbot.temperature ?? undefined,
          maxTokens: chatbot.maxTokens ?? bounds.maxTokens,
          messages: prompt,
        },
        {
          signal: ctx.cancellationSignal,
          maxChars: bounds.maxChars,
          onDelta: (delta) => (ctx.heartbeat(), stream.push(delta)),
        },
      );
      if (!completion.text.trim())
        throw ApplicationFailure.retryable('LLM returned an empty reply', FailureTypes.llmUnavailable);
      return completion;
    } catch (err) {
      throw classifyLlmError(err);
    } finally {
      stream.end();
    }
  };

  const generate = async ({ messageId, conversationId, seq, replyId, round = 0 }: GenerateInput) => {
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
    if (existing && !regenerating) return { replyId: existing.id, published: false };
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
      .catch((err: unknown) =>
        logger.warn({ messageId, err: String(err) }, 'could not acknowledge the message on its channel'),
      );
    const coordinates = { conversationId: message.conversation.id, messageId, seq: message.seq };
    // A retried answer sees the conversation as it stood where its reply is, not what came after.
    const newestFirst = regenerating
      ? await loadHistory(orm.em.fork(), { ...coordinates, upToSeq: regenerating.seq }, history.maxMessages)
      : (earlier ?? (await loadHistory(orm.em.fork(), coordinates, history.maxMessages)));
    const prompt = buildPrompt(message, boundHistory(newestFirst, message.content.length, history.maxChars));
    const attempt = round * LLM_MAX_ATTEMPTS + Context.current().info.attempt;
    const { text, truncated } = await complete(message, regenerating?.id ?? replyId, prompt, attempt);
    const model = message.conversation.chatbot.model ?? llm.defaultModel;
    return lifecycle.saveAnswer(
      { id: message.id, conversationId: message.conversation.id, seq: message.seq },
      { replyId, content: text, metadata: truncated ? { model, truncated } : { model } },
    );
  };

  return {
    /**
     * The reply to a user message, produced and saved (saveAnswer ends the message's turn in the
     * same transaction). Idempotent: a retry after the reply was saved returns that reply without
     * calling the LLM again (deliver then publishes it), and the unique `reply_to_id` refuses a
     * second. Heartbeats from start to end, not only while tokens stream: a slow read or save must
     * not look like a dead worker (Temporal would start a second attempt beside this one).
     */
    async generate(input) {
      const ctx = Context.current();
      const heartbeat = setInterval(() => ctx.heartbeat(), 1000);
      try {
        return await generate(input);
      } finally {
        clearInterval(heartbeat);
      }
    },
  } satisfies Pick<FlowSteps, 'generate'>;
}
