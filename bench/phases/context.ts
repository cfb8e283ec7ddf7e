import { startFakeLlm, type FakeLlm } from '../../test/support/fake-llm.js';
import { createChatbot, tokenFor } from '../../test/support/harness.js';
import { JWT_SECRET, startBenchApp, type BenchApp } from '../lib/app.js';
import { apiClient, type Api } from '../lib/client.js';

export interface BenchContext {
  app: BenchApp;
  api: Api;
  token: string;
  chatbotId: string;
  llm: FakeLlm;
  log(message: string): void;
}

/** A fresh end user for each case, so conversations of different cases never meet. */
export const user = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

/** A customer with one chatbot on a running product process: what every case sends through. */
export async function createBenchContext(
  app: BenchApp,
  llm: FakeLlm,
  log: (message: string) => void = () => undefined,
): Promise<BenchContext> {
  const token = tokenFor(`bench-${crypto.randomUUID()}`, {}, JWT_SECRET);
  const api = apiClient(app.url, token);
  const chatbotId = (await createChatbot(api, { systemPrompt: 'You are a benchmark.' })).id;
  return { app, api, token, chatbotId, llm, log };
}

/** Runs `fn` against a fresh fake LLM and a fresh (tuned) product process, and stops both after. */
export async function withBenchSession<T>(
  fn: (ctx: BenchContext) => Promise<T>,
  llmOptions: Parameters<typeof startFakeLlm>[0] = {},
): Promise<T> {
  const llm = await startFakeLlm(llmOptions);
  const app = await startBenchApp({ llmUrl: llm.url, tuned: true });
  try {
    return await fn(await createBenchContext(app, llm));
  } finally {
    await app.stop();
    await llm.close();
  }
}
