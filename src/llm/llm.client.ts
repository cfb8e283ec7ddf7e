import OpenAI from 'openai';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  temperature?: number;
  messages: ChatMessage[];
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Each piece of text as the model produces it. */
  onDelta?: (text: string) => void;
}

export interface LlmClient {
  /** False when neither an API key nor a base URL is configured: every call would fail. */
  readonly configured: boolean;
  readonly defaultModel: string;
  /** Streams a chat completion and resolves with the full text. */
  complete(request: ChatRequest, options?: StreamOptions): Promise<string>;
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

  return {
    configured,
    defaultModel: config.defaultModel,
    async complete(request, options = {}) {
      if (!client) throw new Error('LLM is not configured');
      const stream = await client.chat.completions.create(
        { model: request.model, temperature: request.temperature, messages: request.messages, stream: true },
        { signal: options.signal },
      );
      let text = '';
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (!delta) continue;
        text += delta;
        options.onDelta?.(delta);
      }
      return text;
    },
  };
}
