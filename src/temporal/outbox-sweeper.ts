import type { MikroORM } from '@mikro-orm/postgresql';
import type { Lifecycle } from '../lifecycle/index.js';
import { findLongUnfinished, findQueued, outboxLagSeconds } from '../lifecycle/outbox.js';
import type { StartFlow } from '../lifecycle/ports.js';
import { anyCause } from '../lib/causes.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { deleteExpiredKeys } from '../modules/messages/idempotency.store.js';
import { TemporalUnavailableError, type TemporalLink } from './link.js';

export interface OutboxSweeperOptions {
  orm: MikroORM;
  temporal: TemporalLink;
  startFlow: StartFlow;
  lifecycle: Pick<Lifecycle, 'startTurn' | 'failAbandoned'>;
  logger: Logger;
  /** The outbox's lag, a gauge read at each scrape. */
  metrics: Pick<Metrics, 'probe' | 'outboxLag'>;
  intervalMs: number;
  /** Messages younger than this are left to the request that saved them. */
  graceMs: number;
  /** A message whose turn started this long ago and is not finished has its flow checked (closed by ops: FAILED). */
  abandonedAfterMs: number;
}

/**
 * Keeps the 202 promise. Starts the flow of every accepted message whose turn is still QUEUED
 * (Temporal was unreachable, or the process died right after saving), then marks its turn
 * STARTED (startTurn) so the next sweep leaves it; one message whose start fails does not hold up
 * the others. And fails (FlowEnded) a message whose flow closed before it finished, when no later
 * message of its conversation would notice. Starting twice and failing twice are harmless, so
 * several processes may sweep at once.
 */
export function startOutboxSweeper(options: OutboxSweeperOptions) {
  const { orm, temporal, startFlow, lifecycle, logger, metrics } = options;
  metrics.probe(async () => metrics.outboxLag.set(await outboxLagSeconds(orm.em.fork())), metrics.outboxLag);
  let running: Promise<void> | undefined;
  let stopped = false;
  let sweeps = 0;
  let lastAbandonedCheck = Date.now();

  const startQueued = async () => {
    for (const flow of await findQueued(orm.em.fork(), options.graceMs)) {
      if (stopped) return;
      try {
        await startFlow(flow);
        await lifecycle.startTurn(flow.messageId, { publish: false }); // its flow's first step publishes it
        logger.info({ messageId: flow.messageId }, 'started a flow from the outbox');
      } catch (err) {
        if (isTemporalUnreachable(err)) throw err; // the rest would fail the same way: next sweep
        logger.error({ messageId: flow.messageId, err }, 'could not start a flow from the outbox; will retry');
      }
    }
  };

  const sweep = async () => {
    if (!temporal.current()) return; // nothing can start before Temporal first answers; readiness says so
    await startQueued();
    if (Date.now() - lastAbandonedCheck >= options.abandonedAfterMs / 2) {
      lastAbandonedCheck = Date.now();
      await lifecycle.failAbandoned(await findLongUnfinished(orm.em.fork(), options.abandonedAfterMs), {
        stopped: () => stopped,
      });
    }
    if (sweeps++ % 60 === 0) await deleteExpiredKeys(orm.em.fork());
  };

  const timer = setInterval(() => {
    if (running) return;
    running = sweep()
      .catch((err) =>
        logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'outbox sweep stopped early; will retry',
        ),
      )
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

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED anywhere in the chain: Temporal itself is out of reach. */
function isTemporalUnreachable(err: unknown): boolean {
  return anyCause(err, (current) => {
    if (current instanceof TemporalUnavailableError) return true;
    const code = (current as { code?: unknown }).code;
    return code === 14 || code === 4;
  });
}
