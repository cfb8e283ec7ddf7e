import { loadConfig } from './config.js';
import { createDeps, type Deps } from './deps.js';
import { createLogger } from './logger.js';
import type { Running } from './runtime.js';

/**
 * Runs one process role: builds the dependencies, starts the role, prints where to find it, and
 * shuts down in order on SIGINT/SIGTERM. Shared by the all-in-one, API and worker entries.
 */
export async function runProcess(role: string, start: (deps: Deps) => Promise<Running>, options: { split?: boolean } = {}): Promise<void> {
  const config = loadConfig();
  if (options.split) {
    // Separate processes must share every service: the embedded defaults are per process.
    const missing = [
      !config.databaseUrl && 'DATABASE_URL',
      !config.temporal.address && 'TEMPORAL_ADDRESS',
      !config.redis && 'REDIS_URL',
    ].filter(Boolean);
    if (missing.length > 0) throw new Error(`The ${role} role runs beside other processes and needs ${missing.join(', ')}.`);
  }
  const logger = createLogger(config.logLevel);
  const deps = await createDeps(config, logger);
  const running = await start(deps).catch(async (err) => {
    await deps.close();
    throw err;
  });

  console.log(`Role:        ${role}`);
  if (running.url) {
    console.log(`API:         ${running.url}`);
    console.log(`Socket.IO:   ${running.url}/messages`);
  }
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
}
