import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { messageWorkflowId, PREDECESSOR_DONE_SIGNAL } from '../../workflows/contracts.js';
import type { FlowIsOpen, StartFlow, WakeTurn } from '../lifecycle/ports.js';
import type { Logger } from '../logger.js';
import type { TemporalLink } from './link.js';
import { ChatbotIdKey, ConversationIdKey } from './search-attributes.js';

/**
 * The lifecycle's flow ports (src/lifecycle/ports.ts) on Temporal: starting a message's flow,
 * waking one that waits for its turn, asking whether one is still open. Each takes the client
 * when called, so they work in a process that connected to Temporal after it started.
 */

export interface FlowStarterOptions {
  taskQueue: string;
  /**
   * Whether to ask for an eager start now: only when a worker of the same task queue runs in this
   * process (eager start needs it), and only while it is lightly loaded (createEagerStart below).
   */
  eager: () => boolean;
  turnRecheckSeconds?: number;
  /** How long a start may take before the caller gives up and leaves the message to the outbox. */
  timeoutMs: number;
}

/**
 * Starts a message's durable flow. Starting it twice is harmless: the workflow ID is the message's
 * and duplicates are rejected even after the first run closed, so a flow never runs twice
 * (`started: false` then: the run that exists is the one). `retry`: a new run of a closed flow
 * whose reply is FAILED, refused while a run is open, so concurrent retries make one attempt.
 * Before Temporal first answered, it fails at once (the message waits in the outbox).
 */
export function createFlowStarter(temporal: TemporalLink, options: FlowStarterOptions): StartFlow {
  return async (input, { retry = false } = {}) => {
    const client = temporal.client();
    try {
      await client.withDeadline(Date.now() + options.timeoutMs, () =>
        client.workflow.start('MessageWorkflow', {
          workflowId: messageWorkflowId(input.messageId),
          taskQueue: options.taskQueue,
          args: [{ ...input, turnRecheckSeconds: options.turnRecheckSeconds }],
          workflowIdReusePolicy: retry ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: [
            { key: ConversationIdKey, value: input.conversationId },
            { key: ChatbotIdKey, value: input.chatbotId },
          ],
          requestEagerStart: !retry && options.eager(),
        }),
      );
      return { started: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
      throw err;
    }
  };
}

/**
 * Whether a flow may start eagerly now: only while a worker of the task queue runs in this process
 * (eager start needs it) and is lightly loaded. Under load an eager start skips the task queue
 * whenever a slot happens to be free, while the flows that did not get one wait behind every
 * running flow's next task: a burst's p99 was 2-3x the plain engine's (docs/performance.md).
 */
export function createEagerStart() {
  let local: { lightlyLoaded(): boolean } | undefined;
  return {
    allowed: () => local?.lightlyLoaded() ?? false,
    /** The worker this process runs (the all-in-one process). */
    runsWorker(worker: { lightlyLoaded(): boolean }) {
      local = worker;
    },
  };
}

/**
 * Wakes a flow waiting for its turn. Best effort: a flow not started yet reads its turn when it
 * starts, and a waiting flow re-reads it on a timer, so a lost wake only delays.
 */
export function createTurnWaker(temporal: TemporalLink, logger: Logger): WakeTurn {
  return async (messageId) => {
    try {
      await temporal.client().workflow.getHandle(messageWorkflowId(messageId)).signal(PREDECESSOR_DONE_SIGNAL);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      logger.warn({ messageId, err }, 'could not wake the next message flow');
    }
  };
}

/** Whether a message's flow is still running; false once it closed (or no longer exists). */
export function createFlowInspector(temporal: TemporalLink): FlowIsOpen {
  return async (messageId) => {
    try {
      const description = await temporal.client().workflow.getHandle(messageWorkflowId(messageId)).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}
