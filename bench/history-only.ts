/** Only the history-at-depth case (no ceiling): `node --import tsx bench/history-only.ts [depth]`. */
import { startFakeLlm } from '../test/support/fake-llm.js';
import { createChatbot, tokenFor } from '../test/support/harness.js';
import { JWT_SECRET, startBenchApp } from './lib/app.js';
import { apiClient } from './lib/client.js';
import { historyPhase } from './phases/history.js';

const llm = await startFakeLlm();
const app = await startBenchApp({ llmUrl: llm.url, tuned: true });
try {
  const token = tokenFor('history', {}, JWT_SECRET);
  const api = apiClient(app.url, token);
  const chatbotId = (await createChatbot(api)).id;
  const result = await historyPhase({ app, api, token, chatbotId, llm, log: () => undefined }, Number(process.argv[2] ?? 100_000));
  for (const [k, v] of Object.entries(result)) console.log(k.padEnd(16), JSON.stringify(v));
} finally {
  await app.stop();
  await llm.close();
}
