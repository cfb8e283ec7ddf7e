import { drain } from '../lib/app.js';
import { send } from '../lib/client.js';
import { connectFlows } from '../lib/flows.js';
import { sleep, summarize } from '../lib/stats.js';
import { user, type BenchContext } from './context.js';

/**
 * POST /messages/send -> 202. Idle: each send once the previous message's flow has closed (like the
 * ceiling's start after an awaited result). Backlog: back to back, each while the flows of the sends
 * before it still run (like the ceiling's back-to-back starts). Then at fixed offered rates (open loop).
 */
export async function acceptPhase(ctx: BenchContext, idleCount = 100, backlogCount = 200, rateSeconds = 30) {
  const users = Array.from({ length: 20 }, () => user('accept'));
  const body = (i: number, label: string) => ({
    chatbotId: ctx.chatbotId,
    externalUserId: users[i % 20],
    content: `${label} ${i}`,
    channel: 'WIDGET',
  });

  const flows = await connectFlows(ctx.app.temporalAddress);
  const idle: number[] = [];
  for (let i = 0; i < idleCount; i++) {
    const sent = await send(ctx.api, body(i, 'idle'));
    idle.push(sent.ms);
    await flows.closed(sent.message.id);
  }
  await flows.close();

  const backlog: number[] = [];
  for (let i = 0; i < backlogCount; i++) backlog.push((await send(ctx.api, body(i, 'backlog'))).ms);
  await drain(ctx.app.db);

  const atRate = async (perSecond: number) => {
    const latencies: number[] = [];
    const total = perSecond * rateSeconds;
    const began = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = began + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(send(ctx.api, body(i, `rate ${perSecond}`)).then((r) => void latencies.push(r.ms)));
    }
    await Promise.all(inFlight);
    await drain(ctx.app.db);
    return summarize(latencies);
  };
  ctx.log('accept: idle and backlog done, offered rate 10/s…');
  const rate10 = await atRate(10);
  ctx.log('accept: offered rate 20/s…');
  const rate20 = await atRate(20);
  return { idle: summarize(idle), backlog: summarize(backlog), rate10, rate20 };
}
