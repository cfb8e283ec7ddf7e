import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { deleteExpiredKeys } from '../modules/messages/idempotency.store.js';
import { findUnstartedFlows, markFlowStarted } from '../modules/messages/turns.store.js';
import type { StartMessageFlow } from './flows.js';

export interface OutboxSweeperOptions {
  orm: MikroORM;
  startFlow: StartMessageFlow;
  logger: Logger;
  intervalMs: number;
  /** Messages younger than this are left to the request that saved them. */
  graceMs: number;
}

/**
 * Keeps the 202 promise: a saved user message whose flow was never started (Temporal unreachable
 * at the time, or the process died right after saving) is started here. Starting twice is
 * harmless, so several processes may sweep at once.
 */
export function startOutboxSweeper(options: OutboxSweeperOptions) {
  const { orm, startFlow, logger } = options;
  let running: Promise<void> | undefined;
  let stopped = false;
  let sweeps = 0;

  const sweep = async () => {
    const em = orm.em.fork();
    for (const flow of await findUnstartedFlows(em, options.graceMs)) {
      if (stopped) return;
      await startFlow(flow);
      await markFlowStarted(em, flow.messageId);
      logger.info('started a flow from the outbox', { messageId: flow.messageId });
    }
    if (sweeps++ % 60 === 0) await deleteExpiredKeys(em);
  };

  const timer = setInterval(() => {
    if (running) return;
    running = sweep()
      .catch((err) => logger.warn('outbox sweep failed; will retry', { err: err instanceof Error ? err.message : String(err) }))
      .finally(() => (running = undefined));
  }, options.intervalMs);

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
