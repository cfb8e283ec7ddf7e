import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;

export interface FlowEvent {
  /** Epoch ms, as the Temporal server stamped it. */
  at: number;
  type: string;
  attempt?: number;
}

/** The product's message flows as the Temporal server sees them (workflow ID `message-<messageId>`). */
export async function connectFlows(address: string) {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const handle = (messageId: string) => client.workflow.getHandle(`message-${messageId}`);
  return {
    /** Resolves once the message's flow has closed (its last workflow task done), whatever its result. */
    async closed(messageId: string): Promise<void> {
      for (;;) {
        try {
          await handle(messageId).result();
          return;
        } catch (err) {
          // Not started yet (the 202 does not wait for the start): look again shortly.
          if (!(err instanceof WorkflowNotFoundError)) return;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
    },
    async events(messageId: string): Promise<FlowEvent[]> {
      const history = await handle(messageId).fetchHistory();
      return (history.events ?? []).map((e) => ({
        at: Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6,
        type: EventType[e.eventType!].replace(/^EVENT_TYPE_/, ''),
        attempt: e.activityTaskStartedEventAttributes?.attempt ?? undefined,
      }));
    },
    close: () => connection.close(),
  };
}

export type Flows = Awaited<ReturnType<typeof connectFlows>>;
