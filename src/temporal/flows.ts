import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { messageWorkflowId, type MessageFlowInput } from '../../workflows/contracts.js';
import { ChatbotIdKey, ConversationIdKey } from './search-attributes.js';

export interface FlowStarterOptions {
  taskQueue: string;
  /** Only when a worker polls the same task queue in this process (eager start needs it). */
  eager: boolean;
}

export type StartMessageFlow = (input: MessageFlowInput) => Promise<void>;

/**
 * Starts a message's durable flow. Starting it twice is harmless: the workflow ID is the
 * message's, and an already started flow counts as started.
 */
export function createFlowStarter(client: Client, options: FlowStarterOptions): StartMessageFlow {
  return async (input) => {
    try {
      await client.workflow.start('MessageWorkflow', {
        workflowId: messageWorkflowId(input.messageId),
        taskQueue: options.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: ConversationIdKey, value: input.conversationId },
          { key: ChatbotIdKey, value: input.chatbotId },
        ],
        requestEagerStart: options.eager,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  };
}
