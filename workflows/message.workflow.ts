import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  uuid4,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { FailureTypes, PREDECESSOR_DONE_SIGNAL, type MessageFlowInput, type MessageFlowResult } from './contracts.js';

// Short database steps run as local activities: no extra workflow task, no task-queue round trip.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
});

// The LLM call is a real activity: visible and retryable in the Web UI, heartbeating so a dead
// worker is noticed within the heartbeat timeout and the attempt moves to another worker.
const llm = proxyActivities<Activities>({
  startToCloseTimeout: '3m',
  heartbeatTimeout: '5s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [FailureTypes.llmRejected, FailureTypes.llmNotConfigured, FailureTypes.messageNotFound],
  },
});

export const predecessorDone = defineSignal(PREDECESSOR_DONE_SIGNAL);


/**
 * One user message: route it, wait for its turn in the conversation, generate the reply, deliver
 * it. A permanent failure leaves a FAILED reply that says why. Whatever happens, the message is
 * finished so the next one in the conversation can go.
 */
export async function MessageWorkflow(input: MessageFlowInput): Promise<MessageFlowResult> {
  let nudged = false;
  setHandler(predecessorDone, () => void (nudged = true));

  const route = await db.route(input);
  if (route.responder === 'NONE') {
    await db.finish({ messageId: input.messageId });
    return { status: 'SKIPPED', reason: route.reason ?? 'no responder' };
  }
  const replyId = uuid4();
  let announced = false;
  try {
    let myTurn = route.myTurn;
    while (!myTurn) {
      // The signal is the fast path; the timeout re-checks the database in case one was lost.
      await condition(() => nudged, `${input.turnRecheckSeconds ?? 30}s`);
      nudged = false;
      myTurn = await db.checkTurn({ messageId: input.messageId });
    }
    ({ announced } = await llm.generate({ messageId: input.messageId, conversationId: input.conversationId, seq: input.seq, replyId }));
  } catch (err) {
    const cause = isCancellation(err) ? { message: 'The flow was cancelled', type: FailureTypes.flowCancelled } : rootCause(err);
    // Even when the flow is being cancelled, record why and let the next message go.
    await CancellationScope.nonCancellable(() =>
      db.failReply({ messageId: input.messageId, replyId, reason: cause.message, type: cause.type }),
    );
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(`Reply failed: ${cause.message}`, FailureTypes.replyFailed);
  }
  // The reply is saved and visible: finish delivering it even if the flow is being cancelled.
  const reply = await CancellationScope.nonCancellable(() => db.deliver({ messageId: input.messageId, announced }));
  return { status: 'REPLIED', replyId: reply.replyId };
}

/** The innermost failure of an activity error: its type and message are what ops and users need. */
function rootCause(err: unknown): { message: string; type: string } {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof ApplicationFailure) return { message: current.message, type: current.type ?? 'Error' };
  if (current instanceof Error) return { message: current.message, type: current.name };
  return { message: String(current), type: 'Error' };
}
