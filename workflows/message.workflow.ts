import {
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  uuid4,
} from '@temporalio/workflow';
import {
  FailureTypes,
  FINISH_TURN_PATCH,
  LLM_MAX_ATTEMPTS,
  PERMANENT_FAILURES,
  PREDECESSOR_DONE_SIGNAL,
  type FailurePlan,
  type FlowSteps,
  type GenerateResult,
  type MessageFlowInput,
  type MessageFlowResult,
  type Route,
} from './contracts.js';
import { failedStep, isDatabaseOutage, isGenerationFailure, isStreamLost, rootCause } from './failures.js';

// Short database steps run as local activities: no extra workflow task, no task-queue round trip.
// A step that meets a database outage returns at once and the workflow waits it out (below);
// anything else is retried a few times, then the step gives up as InternalError.
const db = proxyLocalActivities<FlowSteps>({
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
const LLM_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '3m',
  heartbeatTimeout: '5s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: LLM_MAX_ATTEMPTS,
    nonRetryableErrorTypes: [...PERMANENT_FAILURES, FailureTypes.databaseUnavailable],
  },
};

/**
 * The LLM step, labelled with the route decision and what a permanent failure will do: the Web UI's
 * timeline shows this summary next to the step's attempt count. It rides on the step's own schedule
 * command (a few bytes of history; no extra command or workflow task).
 */
const llmFor = (onFailure: FailurePlan | undefined) => {
  const plan = !onFailure ? 'a FAILED reply' : onFailure.action === 'reply' ? 'the fallback reply' : 'a handoff';
  return proxyActivities<FlowSteps>({ ...LLM_OPTIONS, summary: `route: LLM (on failure: ${plan})` });
};

export const predecessorDone = defineSignal(PREDECESSOR_DONE_SIGNAL);

/**
 * One message that takes a turn in its conversation. A user's: route it (rules, handoff, the LLM),
 * wait for its turn, answer it, deliver the answer. An agent's: deliver it in its turn. Every
 * accepted message ends answered, handed to a human (saying so), or with a FAILED reply that says
 * why: database outages are waited out however long they last. Either way the message is
 * finished, so the next one in the conversation can go.
 */
export async function MessageWorkflow(input: MessageFlowInput): Promise<MessageFlowResult> {
  let nudged = false;
  setHandler(predecessorDone, () => void (nudged = true));
  const { messageId } = input;
  const replyId = uuid4();
  let route: Route | undefined;
  try {
    route = await outlastingOutages(() => db.route(input));
    while (!route.myTurn) {
      // The signal is the fast path; the timeout re-checks the database in case one was lost.
      await condition(() => nudged, `${input.turnRecheckSeconds ?? 30}s`);
      nudged = false;
      route = await outlastingOutages(() => db.checkTurn({ messageId }));
    }
    switch (route.responder) {
      case 'NONE':
        await outlastingOutages(() => finishTurn(messageId));
        return { status: 'SKIPPED', reason: route.reason };
      case 'AGENT':
        await CancellationScope.nonCancellable(() => outlastingOutages(() => db.deliverOwn({ messageId })));
        return { status: 'DELIVERED', messageId };
      case 'RULE': {
        if (route.text === undefined) {
          await outlastingOutages(() => finishTurn(messageId));
          return { status: 'HANDED_OFF', reason: `rule ${route.rule + 1}`, route };
        }
        const text = route.text;
        const metadata = { rule: route.rule, ...(route.action === 'handoff' && { handoff: true }) };
        const replied = await replyAndDeliver(messageId, () => db.replyWith({ messageId, replyId, text, metadata }));
        return route.action === 'handoff'
          ? { status: 'HANDED_OFF', reason: `rule ${route.rule + 1}`, replyId: replied, route }
          : { status: 'REPLIED', replyId: replied, route };
      }
      case 'LLM': {
        const onFailure = route.onFailure;
        const llm = llmFor(onFailure);
        const generate = (round: number) =>
          llm.generate({ messageId, conversationId: input.conversationId, seq: input.seq, replyId, round });
        try {
          return { status: 'REPLIED', replyId: await replyAndDeliver(messageId, generate), route };
        } catch (err) {
          // Generation failed for good: the chatbot's plan, if it has one, instead of a FAILED reply.
          if (isCancellation(err) || !onFailure || !isGenerationFailure(err)) throw err;
          const cause = rootCause(err);
          const endTyping = isStreamLost(err);
          if (onFailure.action === 'handoff') {
            const reason = `the bot could not answer (${cause.type})`;
            await outlastingOutages(() => db.handOff({ messageId, reason, endTyping }));
            return { status: 'HANDED_OFF', reason, route };
          }
          const metadata = { fallback: true, reason: cause.type };
          const replied = await replyAndDeliver(messageId, () =>
            db.replyWith({ messageId, replyId, text: onFailure.text, metadata, endTyping }),
          );
          return { status: 'REPLIED', replyId: replied, route };
        }
      }
    }
  } catch (err) {
    const cause = isCancellation(err)
      ? { message: 'The flow was cancelled', type: FailureTypes.flowCancelled }
      : rootCause(err);
    // Even when the flow is being cancelled, record why and let the next message go.
    const endTyping = isStreamLost(err);
    await CancellationScope.nonCancellable(() =>
      outlastingOutages(() => db.failReply({ messageId, replyId, type: cause.type, reason: cause.message, endTyping })),
    );
    if (isCancellation(err)) throw err;
    // What the Web UI shows of a failed flow, carried by the failure itself (no extra command): the
    // cause's type and reason, the route decided before it, and which step gave up and why.
    throw ApplicationFailure.create({
      type: FailureTypes.replyFailed,
      message: `Reply failed (${cause.type}): ${cause.message}`,
      nonRetryable: true,
      details: [{ type: cause.type, route: route ?? null, ...failedStep(err) }],
    });
  }
}

/**
 * Saves a reply (generated or fixed), then delivers it — the delivery even if the flow is being
 * cancelled, since the reply is saved and visible. Returns the reply's id.
 */
async function replyAndDeliver(messageId: string, save: (round: number) => Promise<GenerateResult>): Promise<string> {
  const saved = await outlastingOutages(save);
  const published = saved.published ?? saved.announced; // as older histories recorded it
  const reply = await CancellationScope.nonCancellable(() =>
    outlastingOutages(() => db.deliver({ messageId, published })),
  );
  return reply.replyId;
}

/** The finishTurn step, under the name a flow's history may have recorded it (FINISH_TURN_PATCH). */
const finishTurn = (messageId: string) =>
  patched(FINISH_TURN_PATCH) ? db.finishTurn({ messageId }) : db.finish({ messageId });

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
