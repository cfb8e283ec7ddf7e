import { drain } from '../lib/app.js';
import { send } from '../lib/client.js';
import { sleep, summarize } from '../lib/stats.js';
import { user, type BenchContext } from './context.js';

/** POST /messages/send -> 202: sequentially, then at a fixed offered rate (open loop). */
export async function acceptPhase(ctx: BenchContext, sequentialCount = 200, rateSeconds = 30) {
  const users = Array.from({ length: 20 }, () => user('accept'));
  const sequential: number[] = [];
  for (let i = 0; i < sequentialCount; i++) {
    sequential.push((await send(ctx.api, { chatbotId: ctx.chatbotId, externalUserId: users[i % 20], content: `accept ${i}`, channel: 'WIDGET' })).ms);
  }
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
      inFlight.push(
        send(ctx.api, { chatbotId: ctx.chatbotId, externalUserId: users[i % 20], content: `rate ${perSecond} ${i}`, channel: 'WIDGET' }).then((r) => {
          latencies.push(r.ms);
        }),
      );
    }
    await Promise.all(inFlight);
    await drain(ctx.app.db);
    return summarize(latencies);
  };
  ctx.log('accept: sequential done, offered rate 10/s…');
  const rate10 = await atRate(10);
  ctx.log('accept: offered rate 20/s…');
  const rate20 = await atRate(20);
  return { sequential: summarize(sequential), rate10, rate20 };
}
