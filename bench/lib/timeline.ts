import type pg from 'pg';
import type { Flows, FlowEvent } from './flows.js';
import { summarize } from './stats.js';

/** One message as its client saw it; epoch ms. */
export interface ClientSample {
  messageId: string;
  postAt: number;
  acceptedAt: number;
  replyAt: number;
}

const PHASES = ['accept', 'start', 'queued', 'route', 'waitTurn', 'generate', 'publish'] as const;
type Phase = (typeof PHASES)[number];

/**
 * Where each message's end-to-end time went, on one clock (the client's, the app's and the Temporal
 * server's are one host's): accept = POST -> 202; start = 202 -> workflow started; queued = -> its
 * first workflow task picked up by a worker (0 when the start was eager); route = -> that task
 * completed (the route step); waitTurn = -> generate started (a waiting message's signal or re-check
 * timer); generate = -> reply saved; publish = -> reply event at the client.
 */
export async function explain(db: pg.Pool, flows: Flows, samples: ClientSample[], appOutput = '') {
  const { rows } = await db.query(
    `select u.id, extract(epoch from r.created_at) * 1000 as reply_saved
       from message u left join message r on r.reply_to_id = u.id
      where u.id = any($1)`,
    [samples.map((s) => s.messageId)],
  );
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  const explained = [];
  for (const s of samples) {
    const events = await flows.events(s.messageId);
    const at = (type: string) => events.find((e) => e.type === type)?.at;
    const started = at('WORKFLOW_EXECUTION_STARTED')!;
    const picked = at('WORKFLOW_TASK_STARTED') ?? started;
    const routed = at('WORKFLOW_TASK_COMPLETED') ?? picked;
    const generateStarted = [...events].reverse().find((e) => e.type === 'ACTIVITY_TASK_STARTED')?.at ?? routed;
    const replySaved = Number(byId.get(s.messageId)?.reply_saved ?? generateStarted);
    const phases: Record<Phase, number> = {
      accept: s.acceptedAt - s.postAt,
      start: started - s.acceptedAt,
      queued: picked - started,
      route: routed - picked,
      waitTurn: generateStarted - routed,
      generate: replySaved - generateStarted,
      publish: s.replyAt - replySaved,
    };
    explained.push({
      messageId: s.messageId,
      postAt: s.postAt,
      e2e: s.replyAt - s.postAt,
      phases,
      signals: count(events, 'WORKFLOW_EXECUTION_SIGNALED'),
      timersFired: count(events, 'TIMER_FIRED'),
      retriedOrTimedOut: events.some((e) => (e.attempt ?? 1) > 1 || /TIMED_OUT|_FAILED$/.test(e.type)),
      namedInAppLog: appOutput.includes(s.messageId),
      /** The flow's history, ms after the POST. */
      events: events.map(
        (e) => `${Math.round(e.at - s.postAt)} ${e.type}${(e.attempt ?? 1) > 1 ? ` #${e.attempt}` : ''}`,
      ),
    });
  }
  return explained;
}

const count = (events: FlowEvent[], type: string) => events.filter((e) => e.type === type).length;

type Explained = Awaited<ReturnType<typeof explain>>[number];

/** A printable digest: phase percentiles for all messages and for the slowest tenth, and what marks the slow ones. */
export function digest(explained: Explained[]) {
  const sorted = [...explained].sort((a, b) => a.e2e - b.e2e);
  const slow = sorted.slice(Math.floor(sorted.length * 0.9));
  const phases = (list: Explained[]) =>
    Object.fromEntries(PHASES.map((p) => [p, summarize(list.map((e) => e.phases[p]))]));
  const marks = (list: Explained[]) => ({
    n: list.length,
    firstTaskNotEager: list.filter((e) => e.phases.queued > 1).length,
    waitedForTurn: list.filter((e) => e.signals > 0 || e.timersFired > 0).length,
    recheckTimerFired: list.filter((e) => e.timersFired > 0).length,
    retriedOrTimedOut: list.filter((e) => e.retriedOrTimedOut).length,
    namedInAppLog: list.filter((e) => e.namedInAppLog).length,
  });
  return {
    e2e: summarize(explained.map((e) => e.e2e)),
    all: { ...marks(explained), phases: phases(explained) },
    slowestTenth: { ...marks(slow), phases: phases(slow) },
    slowest: sorted
      .slice(-3)
      .reverse()
      .map((e) => ({
        ...e,
        e2e: Math.round(e.e2e),
        phases: Object.fromEntries(PHASES.map((p) => [p, Math.round(e.phases[p])])),
      })),
  };
}
