import OpenAI from 'openai';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  temperature?: number;
  /** Sent as `max_tokens`, which every OpenAI-compatible server understands. */
  maxTokens: number;
  messages: ChatMessage[];
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Each piece of text as the model produces it (within `maxChars`). */
  onDelta?: (text: string) => void;
  /** The reply is cut here and the stream closed: what is saved and shown never exceeds it. */
  maxChars: number;
}

export interface Completion {
  text: string;
  /** The model stopped at `max_tokens`, or the text was cut at `maxChars`. */
  truncated: boolean;
  /** Tokens used, when the server reports them (`stream_options.include_usage`). */
  usage?: { promptTokens: number; completionTokens: number };
}

export interface LlmClient {
  /** False when neither an API key nor a base URL is configured: every call would fail. */
  readonly configured: boolean;
  readonly defaultModel: string;
  /** Streams a chat completion and resolves with its text, storable as it is (no NUL, no lone surrogates). */
  complete(request: ChatRequest, options: StreamOptions): Promise<Completion>;
}

export interface LlmConfig {
  apiKey?: string;
  baseUrl?: string;
  defaultModel: string;
  timeoutMs: number;
}

/**
 * An OpenAI-compatible chat client. The SDK's own retries are off: Temporal owns retries, so each
 * attempt is visible in the flow's history.
 */
export function createLlmClient(config: LlmConfig): LlmClient {
  const configured = Boolean(config.apiKey || config.baseUrl);
  const client = configured
    ? new OpenAI({
        apiKey: config.apiKey ?? 'not-needed',
        baseURL: config.baseUrl,
        maxRetries: 0,
        timeout: config.timeoutMs,
      })
    : undefined;

  // Token usage is asked for (`stream_options.include_usage`) until the server refuses the option:
  // some OpenAI-compatible servers reject fields they do not know, and a reply matters more.
  let askUsage = true;
  const open = (request: ChatRequest, signal: AbortSignal | undefined, withUsage: boolean) =>
    client!.chat.completions.create(
      {
        model: request.model,
        temperature: request.temperature,
        max_tokens: request.maxTokens,
        messages: request.messages,
        stream: true,
        ...(withUsage && { stream_options: { include_usage: true } }),
      },
      { signal },
    );

  return {
    configured,
    defaultModel: config.defaultModel,
    async complete(request, options) {
      if (!client) throw new Error('LLM is not configured');
      const withUsage = askUsage;
      const stream = await open(request, options.signal, withUsage).catch((err: unknown) => {
        if (!withUsage || !refusesUsageOption(err)) throw err;
        askUsage = false;
        return open(request, options.signal, false);
      });
      let text = '';
      let truncated = false;
      let finished = false;
      let usage: Completion['usage'];
      for await (const chunk of stream) {
        if (chunk.usage)
          usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices[0];
        if (choice?.finish_reason) finished = true;
        if (choice?.finish_reason === 'length') truncated = true;
        // PostgreSQL cannot store NUL; a model can emit it.
        let delta = choice?.delta?.content?.replaceAll('\u0000', '');
        if (!delta) continue;
        const over = text.length + delta.length > options.maxChars;
        if (over) delta = delta.slice(0, options.maxChars - text.length);
        text += delta;
        if (delta) options.onDelta?.(delta);
        if (over) {
          truncated = true;
          break; // closes the stream: no more tokens are paid for
        }
      }
      // The SDK ends the loop quietly when its signal aborts, and a server may close a stream early:
      // either way the text is partial, never a complete reply.
      options.signal?.throwIfAborted();
      if (!finished && !truncated) throw new Error('The LLM stream ended before it finished (no finish_reason)');
      return { text: text.toWellFormed(), truncated, ...(usage && { usage }) };
    },
  };
}

/** A 400/422 that names the usage option: the server does not know `stream_options`. */
function refusesUsageOption(err: unknown): boolean {
  return (
    err instanceof OpenAI.APIError &&
    (err.status === 400 || err.status === 422) &&
    /stream_options|include_usage/i.test(err.message)
  );
}
