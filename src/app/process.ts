import { createLogger } from '../logger.js';
import { logContext } from '../observability/log-context.js';
import { loadConfig, type Config } from './config.js';
import { createDeps, type Deps } from './deps.js';
import type { Running } from './running.js';

/**
 * Runs one process role: builds the dependencies, starts the role, prints where to find it, and
 * shuts down in order on SIGINT/SIGTERM. A start-up problem (bad configuration, a weak secret)
 * is printed as one line and exits 1; so does a worker that dies, so a supervisor restarts it.
 * Shared by the all-in-one, API and worker entries.
 */
export async function runProcess(
  role: string,
  start: (deps: Deps) => Promise<Running>,
  options: { split?: boolean } = {},
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, { split: options.split ?? false });
    if (options.split) requireSharedServices(role, config);
  } catch (err) {
    console.error(`Cannot start the ${role} role: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, { mixin: logContext });

  // Signals are handled from the first moment: a stop asked for during start-up waits for the
  // start to finish (or fail), then closes whatever was opened, in order.
  let deps: Deps | undefined;
  let running: Running | undefined;
  const startup = (async () => {
    deps = await createDeps(config, logger);
    running = await start(deps);
  })();
  let stopping = false;
  const shutdown = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`${why}: shutting down`);
    // An orderly stop that hangs (a connection that never answers) must still end the process.
    setTimeout(() => {
      logger.error('shutdown did not finish in 30 s; exiting anyway');
      process.exit(code || 1);
    }, 30_000).unref();
    startup
      .catch(() => undefined)
      .then(() => running?.stop())
      .then(() => deps?.close())
      .then(() => process.exit(code))
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => shutdown(signal, 0));
  // A promise nobody awaited failed: a bug, so exit 1 in order. While stopping, a library may
  // still fail a command its client was just told to drop (Redis on quit): that is expected.
  process.on('unhandledRejection', (err) => {
    if (stopping) return logger.debug({ err: String(err) }, 'ignored a failure while shutting down');
    logger.error({ err }, 'unhandled rejection');
    shutdown('unhandled rejection', 1);
  });

  try {
    await startup;
  } catch (err) {
    if (stopping) return;
    await deps?.close();
    throw err;
  }
  if (stopping) return;
  printBanner(role, config, deps!, running!);
  running!.failed.catch((err) => {
    logger.error({ err }, 'the Temporal worker died; exiting so that a supervisor restarts the process');
    shutdown('worker died', 1);
  });
}

function printBanner(role: string, config: Config, deps: Deps, running: Running): void {
  console.log(`Role:        ${role}`);
  console.log(`${role === 'worker' ? 'Health:     ' : 'API:        '} ${running.url}`);
  if (role !== 'worker') console.log(`Socket.IO:   ${running.url}/messages`);
  console.log(`LLM:         ${deps.llmDescription}`);
  console.log(`Temporal UI: ${deps.temporalUiUrl ?? '(not known: set TEMPORAL_UI_URL)'}`);
  if (config.devSecretFile) {
    console.log(
      `\n*** WARNING: JWT_SECRET is not set. Tokens are signed with a development secret kept in ${config.devSecretFile},`,
    );
    console.log(
      `*** accepted only while the server listens on loopback (HOST=${config.host}). Set JWT_SECRET before serving a network.\n`,
    );
  }
}

/** Separate processes must share every service: the embedded defaults are per process. */
function requireSharedServices(role: string, config: Config): void {
  const missing = [
    !config.databaseUrl && 'DATABASE_URL',
    !config.temporal.address && 'TEMPORAL_ADDRESS',
    !config.redis && 'REDIS_URL',
  ].filter(Boolean);
  if (missing.length > 0) throw new Error(`it runs beside other processes and needs ${missing.join(', ')}.`);
}
