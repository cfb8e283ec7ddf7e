import { createLifecycle, type Lifecycle } from '../lifecycle/index.js';
import type { Publisher } from '../lifecycle/ports.js';
import { createFlowInspector, createFlowStarter, createTurnWaker } from '../temporal/flows.js';
import type { Deps } from './deps.js';

/**
 * A process's lifecycle, wired to its publisher (the API's Socket.IO server, or a worker's
 * headless one on the shared stream) and to Temporal for its flows. `eager`: whether a flow may
 * start eagerly now (a worker of the task queue runs in this process and is lightly loaded).
 */
export function wireLifecycle(deps: Deps, publisher: Publisher, eager: () => boolean = () => false): Lifecycle {
  const { config, temporal, logger } = deps;
  return createLifecycle({
    orm: deps.orm,
    publisher,
    links: deps.links,
    logger,
    wakeTurn: createTurnWaker(temporal, logger),
    flowIsOpen: createFlowInspector(temporal),
    startFlow: createFlowStarter(temporal, {
      taskQueue: config.temporal.taskQueue,
      eager,
      timeoutMs: config.temporal.startTimeoutMs,
      turnRecheckSeconds: config.temporal.turnRecheckSeconds,
    }),
  });
}
