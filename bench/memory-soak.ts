/**
 * Is memory after a burst a leak or a high-water mark? Repeats the burst case and prints the
 * all-in-one process's RSS after each round and after idling. `node --import tsx bench/memory-soak.ts [rounds]`
 */
import { sleep } from './lib/stats.js';
import { burstPhase } from './phases/burst.js';
import { withBenchSession } from './phases/context.js';

const rounds = Number(process.argv[2] ?? 4);
await withBenchSession(async (ctx) => {
  await sleep(2000);
  console.log(`idle: ${ctx.app.rssMiB()} MiB`);
  for (let round = 1; round <= rounds; round++) {
    const { burst } = await burstPhase(ctx, 50, 10);
    console.log(
      `after burst ${round} (${burst.messages} messages, ${burst.perSecond.toFixed(1)}/s): ${ctx.app.rssMiB()} MiB`,
    );
  }
  for (const seconds of [30, 60]) {
    await sleep(30_000);
    console.log(`idle ${seconds} s later: ${ctx.app.rssMiB()} MiB`);
  }
});
