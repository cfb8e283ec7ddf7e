import { AsyncLocalStorage } from 'node:async_hooks';
import { asyncLocalStorage as activities } from '@temporalio/activity';
import { MESSAGE_WORKFLOW_PREFIX } from '../../workflows/contracts.js';

const requests = new AsyncLocalStorage<{ reqId: string }>();

/** Runs `next` with `reqId` on every log line written on its behalf (services, stores, errors). */
export function withRequestId<T>(reqId: string, next: () => Promise<T>): Promise<T> {
  return requests.run({ reqId }, next);
}

/**
 * The pino mixin: a line written inside a flow's activity carries the message id, the workflow
 * and run ids, the step and its attempt; a line written while serving a request carries its id.
 * Both come from the async context, so no caller has to pass them along.
 */
export function logContext(): object {
  const request = requests.getStore();
  const flow = activityContext();
  if (!flow) return request ?? {};
  return { ...request, ...flow };
}

function activityContext(): object | undefined {
  const info = activities.getStore()?.info;
  if (!info) return undefined; // not inside an activity
  if (!info.workflowExecution) return { activity: info.activityType, attempt: info.attempt };
  const { workflowId, runId } = info.workflowExecution;
  return {
    ...messageOf(workflowId),
    workflowId,
    runId,
    activity: info.activityType,
    attempt: info.attempt,
  };
}

/** The message a workflow id belongs to (`message-<id>`), as a log field. */
export function messageOf(workflowId: unknown): { messageId?: string } {
  if (typeof workflowId !== 'string' || !workflowId.startsWith(MESSAGE_WORKFLOW_PREFIX)) return {};
  return { messageId: workflowId.slice(MESSAGE_WORKFLOW_PREFIX.length) };
}
