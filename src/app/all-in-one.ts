import type { WorkflowBundleOption } from '@temporalio/worker';
import type { MessageWorker } from '../temporal/message-worker.js';
import { startApi } from './api-role.js';
import type { Deps } from './deps.js';
import type { Running } from './running.js';
import { startFlowWorker } from './worker-role.js';

/**
 * All in one process: API, Socket.IO and the worker, publishing in-process. A flow starts eagerly
 * (its first task handed to this worker with the start, saving a round trip) only while the worker
 * is lightly loaded. Under load an eager start skips the task queue whenever a slot happens to be
 * free, while the flows that did not get one wait behind every running flow's next task: a
 * burst's p99 was 2-3x the plain engine's. Through the queue every flow waits its turn alike.
 */
export async function startAllInOne(
  deps: Deps,
  options: { workflowBundle?: WorkflowBundleOption } = {},
): Promise<Running> {
  let worker: MessageWorker | undefined;
  const api = await startApi(deps, { eagerStart: () => worker?.lightlyLoaded() ?? false });
  worker = startFlowWorker(deps, api.lifecycle, options.workflowBundle);
  api.readiness.add('worker', () => worker.check());
  return {
    url: api.url,
    readiness: api.readiness,
    api: api.api,
    failed: worker.failed,
    async stop() {
      await api.stop();
      await worker.stop();
    },
  };
}
