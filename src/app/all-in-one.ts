import type { WorkflowBundleOption } from '@temporalio/worker';
import { startApi } from './api-role.js';
import type { Deps } from './deps.js';
import type { Running } from './running.js';
import { startFlowWorker } from './worker-role.js';

/**
 * All in one process: API, Socket.IO and the worker, publishing in-process. A flow starts eagerly
 * (its first task handed to this worker with the start, saving a round trip) only while the worker
 * is lightly loaded (src/temporal/flows.ts createEagerStart).
 */
export async function startAllInOne(
  deps: Deps,
  options: { workflowBundle?: WorkflowBundleOption } = {},
): Promise<Running> {
  const api = await startApi(deps);
  const worker = startFlowWorker(deps, options.workflowBundle);
  api.readiness.add('worker', () => worker.check());
  return {
    ...api,
    failed: worker.failed,
    async stop() {
      await api.stop();
      await worker.stop();
    },
  };
}
