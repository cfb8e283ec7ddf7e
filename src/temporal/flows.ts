import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { messageWorkflowId, PREDECESSOR_DONE_SIGNAL, type MessageFlowInput } from '../../workflows/contracts.js';
import type { Logger } from '../logger.js';
import type { TemporalLink } from './link.js';
import { ChatbotIdKey, ConversationIdKey } from './search-attributes.js';

export interface FlowStarterOptions {
  taskQueue: string;
  /**
   * Whether to ask for an eager start now: only when a worker of the same task queue runs in this
   * process (eager start needs it), and only while it is lightly loaded (see startAllInOne).
   */
  eager: () => boolean;
  turnRecheckSeconds?: number;
  /** How long a start may take before the caller gives up and leaves the message to the outbox. */
  timeoutMs: number;
}

/**
 * `retry`: a new run of a closed flow whose reply is FAILED (its run may have failed, or completed
 * before a channel reported the failure); refused while a run is open, so concurrent retries make
 * one attempt.
 */
export type StartMessageFlow = (
  input: MessageFlowInput,
  options?: { retry?: boolean },
) => Promise<{ started: boolean }>;

/**
 * Starts a message's durable flow. Starting it twice is harmless: the workflow ID is the message's
 * and duplicates are rejected even after the first run closed, so a flow never runs twice
 * (`started: false` then: the run that exists is the one). Before
 * Temporal first answered, it fails at once (the message waits in the outbox).
 */
export function createFlowStarter(temporal: TemporalLink, options: FlowStarterOptions): StartMessageFlow {
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
 * Wakes a flow waiting for its turn. Best effort: a flow not started yet checks its turn when it
 * starts, and a waiting flow re-checks the database on a timer, so a lost signal only delays.
 */
export function createTurnNotifier(client: Client, logger: Logger) {
  return async (messageId: string): Promise<void> => {
    try {
      await client.workflow.getHandle(messageWorkflowId(messageId)).signal(PREDECESSOR_DONE_SIGNAL);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      logger.warn({ messageId, err }, 'could not wake the next message flow');
    }
  };
}

/** Whether a message's flow is still running; false once it closed (or no longer exists). */
export function createFlowInspector(client: Client) {
  return async (messageId: string): Promise<boolean> => {
    try {
      const description = await client.workflow.getHandle(messageWorkflowId(messageId)).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}
