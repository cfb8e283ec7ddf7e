/**
 * Is memory after a burst a leak or a high-water mark? Repeats the burst case and prints the
 * all-in-one process's RSS after each round and after idling. `node --import tsx bench/memory-soak.ts [rounds]`
 */
import { startFakeLlm } from '../test/support/fake-llm.js';
import { createChatbot, tokenFor } from '../test/support/harness.js';
import { JWT_SECRET, startBenchApp } from './lib/app.js';
import { apiClient } from './lib/client.js';
import { sleep } from './lib/stats.js';
import { burstPhase } from './phases/burst.js';

const rounds = Number(process.argv[2] ?? 4);
const llm = await startFakeLlm();
const app = await startBenchApp({ llmUrl: llm.url, tuned: true });
try {
  const token = tokenFor('soak', {}, JWT_SECRET);
  const api = apiClient(app.url, token);
  const chatbotId = (await createChatbot(api)).id;
  const ctx = { app, api, token, chatbotId, llm, log: () => undefined };
  await sleep(2000);
  console.log(`idle: ${app.rssMiB()} MiB`);
  for (let round = 1; round <= rounds; round++) {
    const { burst } = await burstPhase(ctx, 50, 10);
    console.log(`after burst ${round} (${burst.messages} messages, ${burst.perSecond.toFixed(1)}/s): ${app.rssMiB()} MiB`);
  }
  for (const seconds of [30, 60]) {
    await sleep(30_000);
    console.log(`idle ${seconds} s later: ${app.rssMiB()} MiB`);
  }
} finally {
  await app.stop();
  await llm.close();
}
