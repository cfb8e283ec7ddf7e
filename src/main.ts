import { loadConfig } from './config.js';
import { createDeps } from './deps.js';
import { createLogger } from './logger.js';
import { startAllInOne } from './runtime.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const deps = await createDeps(config, logger);
const running = await startAllInOne(deps).catch(async (err) => {
  await deps.close();
  throw err;
});

console.log(`API:         ${running.url}`);
console.log(`Socket.IO:   ${running.url}/messages`);
console.log(`LLM:         ${deps.llmDescription}`);
console.log(`Temporal UI: ${deps.temporalUiUrl ?? '(not known: set TEMPORAL_UI_URL)'}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    running
      .stop()
      .then(() => deps.close())
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      });
  });
}
