import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  uuid4,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  FailureTypes,
  LLM_MAX_ATTEMPTS,
  PERMANENT_FAILURES,
  PREDECESSOR_DONE_SIGNAL,
  type MessageFlowInput,
  type MessageFlowResult,
} from './contracts.js';

// Short database steps run as local activities: no extra workflow task, no task-queue round trip.
// A step that meets a database outage returns at once and the workflow waits it out (below);
// anything else is retried a few times, then the step gives up as InternalError.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    nonRetryableErrorTypes: [...PERMANENT_FAILURES, FailureTypes.databaseUnavailable],
  },
});

// The LLM call is a real activity: visible and retryable in the Web UI, heartbeating so a dead
// worker is noticed within the heartbeat timeout and the attempt moves to another worker. Its
// attempts are the LLM's: a database outage ends the activity and is waited out like any other.
const llm = proxyActivities<Activities>({
  startToCloseTimeout: '3m',
  heartbeatTimeout: '5s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: LLM_MAX_ATTEMPTS,
    nonRetryableErrorTypes: [...PERMANENT_FAILURES, FailureTypes.databaseUnavailable],
  },
});

export const predecessorDone = defineSignal(PREDECESSOR_DONE_SIGNAL);

/**
 * One user message: route it, wait for its turn in the conversation, generate the reply, deliver
 * it. Every accepted message ends answered or with a FAILED reply that says why: database outages
 * are waited out however long they last, and whatever else fails is recorded as the reason. Either
 * way the message is finished, so the next one in the conversation can go.
 */
export async function MessageWorkflow(input: MessageFlowInput): Promise<MessageFlowResult> {
  let nudged = false;
  setHandler(predecessorDone, () => void (nudged = true));
  const { messageId } = input;
  const replyId = uuid4();
  try {
    const route = await outlastingOutages(() => db.route(input));
    if (route.responder === 'NONE') {
      await outlastingOutages(() => db.finish({ messageId }));
      return { status: 'SKIPPED', reason: route.reason ?? 'no responder' };
    }
    let myTurn = route.myTurn;
    while (!myTurn) {
      // The signal is the fast path; the timeout re-checks the database in case one was lost.
      await condition(() => nudged, `${input.turnRecheckSeconds ?? 30}s`);
      nudged = false;
      myTurn = await outlastingOutages(() => db.checkTurn({ messageId }));
    }
    const { announced } = await outlastingOutages((round) =>
      llm.generate({ messageId, conversationId: input.conversationId, seq: input.seq, replyId, round }),
    );
    // The reply is saved and visible: finish delivering it even if the flow is being cancelled.
    const reply = await CancellationScope.nonCancellable(() => outlastingOutages(() => db.deliver({ messageId, announced })));
    return { status: 'REPLIED', replyId: reply.replyId };
  } catch (err) {
    const cause = isCancellation(err) ? { message: 'The flow was cancelled', type: FailureTypes.flowCancelled } : rootCause(err);
    // Even when the flow is being cancelled, record why and let the next message go.
    await CancellationScope.nonCancellable(() =>
      outlastingOutages(() => db.failReply({ messageId, replyId, type: cause.type, reason: cause.message })),
    );
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.create({
      type: FailureTypes.replyFailed,
      message: `Reply failed (${cause.type}): ${cause.message}`,
      nonRetryable: true,
      details: [{ type: cause.type }],
    });
  }
}

/**
 * Runs a step until it gets past any database outage: between tries a durable timer grows to
 * 30 s, so the flow goes on within 30 s of the database's return (a day of outage adds ~20,000
 * history events, under Temporal's 50,000). `round` counts the tries.
 */
async function outlastingOutages<T>(step: (round: number) => Promise<T>): Promise<T> {
  for (let round = 0, delayMs = 250; ; round++, delayMs = Math.min(delayMs * 2, 30_000)) {
    try {
      return await step(round);
    } catch (err) {
      if (!isDatabaseOutage(err)) throw err;
      await sleep(delayMs);
    }
  }
}

/** An activity's failure comes wrapped in ActivityFailure; a local activity's arrives as it was thrown. */
function isDatabaseOutage(err: unknown): boolean {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.type === FailureTypes.databaseUnavailable;
}

/** The innermost failure of an activity error: its type and message are what ops need. */
function rootCause(err: unknown): { message: string; type: string } {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof ApplicationFailure) return { message: current.message, type: current.type ?? FailureTypes.internal };
  if (current instanceof Error) return { message: current.message, type: current.name };
  return { message: String(current), type: FailureTypes.internal };
}
