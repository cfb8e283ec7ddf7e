import type { MikroORM } from '@mikro-orm/postgresql';
import { anyCause } from '../lib/causes.js';
import { FailureTypes } from '../../workflows/contracts.js';
import type { Logger } from '../logger.js';
import { deleteExpiredKeys } from '../modules/messages/idempotency.store.js';
import { createReplyFailer } from '../modules/messages/reply-failure.js';
import { createTurnFinisher } from '../modules/messages/turn-finisher.js';
import { findLongUnfinished, findUnstartedFlows, isDone, markFlowStarted } from '../modules/messages/turns.store.js';
import type { Publisher } from '../realtime/publisher.js';
import { createFlowInspector, createTurnNotifier, type StartMessageFlow } from './flows.js';
import { TemporalUnavailableError, type TemporalLink } from './link.js';
import type { FlowLinks } from './ui-links.js';

export interface OutboxSweeperOptions {
  orm: MikroORM;
  temporal: TemporalLink;
  startFlow: StartMessageFlow;
  publisher: Publisher;
  logger: Logger;
  /** The Temporal UI addresses that a FAILED reply's `message` event carries. */
  links: FlowLinks;
  intervalMs: number;
  /** Messages younger than this are left to the request that saved them. */
  graceMs: number;
  /** A started message not done after this long has its flow checked (closed by ops: FAILED). */
  abandonedAfterMs: number;
}

/**
 * Keeps the 202 promise. Starts the flow of every saved user message that has none (Temporal was
 * unreachable, or the process died right after saving); one message whose start fails does not
 * hold up the others. And finishes, as FAILED (FlowEnded), a message whose flow was closed before
 * it finished, when no later message of its conversation would notice. Starting twice and failing
 * twice are harmless, so several processes may sweep at once.
 */
export function startOutboxSweeper(options: OutboxSweeperOptions) {
  const { orm, temporal, startFlow, publisher, logger } = options;
  let running: Promise<void> | undefined;
  let stopped = false;
  let sweeps = 0;
  let lastAbandonedCheck = Date.now();

  const startUnstarted = async () => {
    const em = orm.em.fork();
    for (const flow of await findUnstartedFlows(em, options.graceMs)) {
      if (stopped) return;
      try {
        await startFlow(flow);
        await markFlowStarted(em, flow.messageId);
        logger.info({ messageId: flow.messageId }, 'started a flow from the outbox');
      } catch (err) {
        if (isTemporalUnreachable(err)) throw err; // the rest would fail the same way: next sweep
        logger.error({ messageId: flow.messageId, err }, 'could not start a flow from the outbox; will retry');
      }
    }
  };

  const finishAbandoned = async (client: NonNullable<ReturnType<TemporalLink['current']>>['client']) => {
    const flowIsOpen = createFlowInspector(client);
    const failReply = createReplyFailer({
      orm,
      publisher,
      logger,
      links: options.links,
      finish: createTurnFinisher(orm, createTurnNotifier(client, logger)),
    });
    for (const messageId of await findLongUnfinished(orm.em.fork(), options.abandonedAfterMs)) {
      if (stopped) return;
      try {
        if ((await flowIsOpen(messageId)) || (await isDone(orm.em.fork(), messageId))) continue;
        await failReply({
          messageId,
          replyId: crypto.randomUUID(),
          type: FailureTypes.flowEnded,
          reason: 'The flow closed without finishing the message',
        });
      } catch (err) {
        if (isTemporalUnreachable(err)) throw err;
        logger.error({ messageId, err }, 'could not finish an abandoned message; will retry');
      }
    }
  };

  const sweep = async () => {
    const session = temporal.current();
    if (!session) return; // nothing can start before Temporal first answers; readiness says so
    await startUnstarted();
    if (Date.now() - lastAbandonedCheck >= options.abandonedAfterMs / 2) {
      lastAbandonedCheck = Date.now();
      await finishAbandoned(session.client);
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
