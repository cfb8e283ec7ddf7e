import { startFakeLlm } from './fake-llm.js';

/** Runs the fake LLM on its own, e.g. to try `npm start` by hand: FAKE_LLM_PORT=4010. */
const llm = await startFakeLlm({
  port: Number(process.env.FAKE_LLM_PORT ?? 4010),
  defaultChunkDelayMs: Number(process.env.FAKE_LLM_CHUNK_DELAY_MS ?? 20),
});
console.log(`fake OpenAI-compatible server: ${llm.url}`);
process.on('SIGINT', () => void llm.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void llm.close().then(() => process.exit(0)));
