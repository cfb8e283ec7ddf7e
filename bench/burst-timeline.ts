/**
 * Where the burst's slow messages spend their time: runs the burst case on a fresh product, then
 * reads each message's rows and its flow's Temporal history and prints the phases (bench/lib/timeline.ts)
 * for all messages and the slowest tenth.
 * `node --import tsx bench/burst-timeline.ts [conversations] [perConversation]`; product config
 * through BENCH_APP_ENV, e.g. BENCH_APP_ENV='LOG_LEVEL=info TURN_RECHECK_SECONDS=5'; WITH_CEILING=1 runs
 * the ceiling's burst (same size) on the same server first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runCeiling } from './ceiling/run.js';
import { cpuMeter } from './lib/cpu.js';
import { connectFlows } from './lib/flows.js';
import { digest, explain } from './lib/timeline.js';
import { burstPhase } from './phases/burst.js';
import { withBenchSession } from './phases/context.js';
import { jsonLines } from '../test/support/app-process.js';

const [conversations = 50, perConversation = 10] = process.argv.slice(2).map(Number);
await withBenchSession(async (ctx) => {
  if (process.env.WITH_CEILING) {
    // The ceiling's burst on the same server just before, for a like-with-like figure on a busy machine.
    const { burst } = await runCeiling(ctx.app, {
      CEILING_STARTS: '0',
      CEILING_E2E: '10',
      CEILING_BURST: String(conversations * perConversation),
    });
    console.log(
      `ceiling burst: ${burst.perSecond.toFixed(1)} wf/s in ${burst.seconds.toFixed(1)} s; e2e ${JSON.stringify(burst.e2e)}`,
    );
  }
  // The app's tree (with its Temporal dev server), PostgreSQL's (its postmaster) and this client.
  const { rows } = await ctx.app.db.query('select pg_backend_pid() as pid');
  const postmaster = Number(readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  const stop = cpuMeter({ app: ctx.app.pid, postgres: postmaster, client: process.pid });
  const { burst, samples } = await burstPhase(ctx, conversations, perConversation);
  const cpu = stop();
  console.log(
    `burst: ${burst.perSecond.toFixed(1)} msg/s in ${burst.seconds.toFixed(1)} s; e2e ${JSON.stringify(burst.e2e)}`,
  );
  console.log('CPU during the burst case:', JSON.stringify(cpu));
  const logged = jsonLines(ctx.app.output()).filter((line) => ['info', 'warn', 'error'].includes(line.level));
  const byMessage = new Map<string, number>();
  for (const { msg } of logged) byMessage.set(msg, (byMessage.get(msg) ?? 0) + 1);
  console.log('app log lines by message:', Object.fromEntries(byMessage));
  const flows = await connectFlows(ctx.app.temporalAddress);
  const explained = await explain(ctx.app.db, flows, samples, logged.map((line) => JSON.stringify(line)).join('\n'));
  await flows.close();
  console.log(JSON.stringify(digest(explained), null, 1));
  if (process.env.TIMELINE_OUT) writeFileSync(process.env.TIMELINE_OUT, JSON.stringify(explained));
});
