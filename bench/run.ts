/**
 * npm run bench: what durability costs, measured beside the bare engine in the same run.
 * Everything goes through the public API (HTTP + socket.io-client) of the all-in-one process that
 * `npm start` runs, with its embedded Temporal dev server, on a fresh PostgreSQL database, with a
 * local OpenAI-compatible server answering instantly. Results: bench/results/<time>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startFakeLlm } from '../test/support/fake-llm.js';
import { runCeiling } from './ceiling/run.js';
import { startBenchApp } from './lib/app.js';
import { connectFlows } from './lib/flows.js';
import { digest, explain } from './lib/timeline.js';
import { sleep } from './lib/stats.js';
import { acceptPhase } from './phases/accept.js';
import { burstPhase } from './phases/burst.js';
import { createBenchContext } from './phases/context.js';
import { e2ePhase } from './phases/e2e.js';
import { fanoutPhase } from './phases/fanout.js';
import { historyPhase } from './phases/history.js';
import { streamingPhase } from './phases/streaming.js';
import { widgetPhase } from './phases/widget.js';
import { judge } from './lib/verdict.js';

const quick = process.argv.includes('--quick');
const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function machine() {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      return 'unknown';
    }
  };
  return {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    temporal: version(process.env.TEMPORAL_CLI_PATH ?? 'temporal', ['--version']),
    postgres: version('psql', ['--version']),
  };
}

async function main() {
  const started = new Date();
  const llm = await startFakeLlm();
  const results: Record<string, any> = { startedAt: started.toISOString(), quick, machine: machine() };

  log('default dev-server settings: e2e…');
  const plain = await startBenchApp({ llmUrl: llm.url, tuned: false });
  results.e2eDefaultSettings = await e2ePhase(await createBenchContext(plain, llm, log), quick ? 20 : 50);
  await plain.stop();

  log('tuned dev server (as npm start runs it)…');
  const app = await startBenchApp({ llmUrl: llm.url, tuned: true });
  await sleep(2000);
  const memory: Record<string, number | undefined> = { idleMiB: app.rssMiB() };
  const ctx = await createBenchContext(app, llm, log);
  try {
    log('ceiling (bare engine, same Temporal server and database)…');
    results.ceiling = await runCeiling(
      app,
      quick ? { CEILING_STARTS: '50', CEILING_E2E: '30', CEILING_BURST: '100' } : {},
    );
    log('accept…');
    results.accept = await acceptPhase(ctx, quick ? 30 : 100, quick ? 50 : 200, quick ? 5 : 30);
    log('end to end…');
    results.e2e = await e2ePhase(ctx, quick ? 30 : 100);
    results.e2eAfterSent = await e2ePhase(ctx, quick ? 30 : 100, { afterSent: true });
    log('burst…');
    const { samples, ...burst } = await burstPhase(ctx, 50, quick ? 2 : 10);
    results.burst = burst;
    memory.afterBurstMiB = app.rssMiB();
    const flows = await connectFlows(app.temporalAddress);
    results.burstTimeline = digest(await explain(app.db, flows, samples));
    await flows.close();
    log('streaming…');
    results.streaming = await streamingPhase(ctx, quick ? 10 : 30);
    log('history at depth…');
    results.history = await historyPhase(ctx, quick ? 20_000 : 100_000, quick ? 50 : 500);
    log('fan-out…');
    results.fanout = await fanoutPhase(ctx, 100, 10, () => app.rssMiB());
    memory.with1000SocketsMiB = results.fanout.memoryWith1000SocketsMiB;
    log('the widget in chromium…');
    results.widget = await widgetPhase(ctx, quick ? 5 : 10, quick ? 10 : 30);
    results.memory = memory;
  } finally {
    await app.stop();
    await llm.close();
  }

  Object.assign(results, judge(results));

  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(
    `./results/${started.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`,
    import.meta.url,
  );
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  log(`results: ${fileURLToPath(file)}`);
}

function printTable(r: Record<string, any>) {
  const c = r.ceiling;
  const rows: [string, string, string][] = [
    [
      'accept, idle (after the previous flow closed)',
      fmt(r.accept.idle),
      `${r.ratios.acceptIdleP50VsInsertAndStartIdle}x insert+start idle (${fmt(c.insertAndStartIdle)})`,
    ],
    [
      'accept, backlog (back to back)',
      fmt(r.accept.backlog),
      `${r.ratios.acceptBacklogP50VsInsertAndStartBacklog}x insert+start backlog (${fmt(c.insertAndStartBacklog)})`,
    ],
    ['accept at 10/s', fmt(r.accept.rate10), ''],
    ['accept at 20/s', fmt(r.accept.rate20), ''],
    [
      'end to end: send -> reply event -> send',
      fmt(r.e2e),
      `${r.ratios.e2eP50VsThreeActivityWorkflow}x 3-activity workflow (${fmt(c.workflowE2e)})`,
    ],
    ['end to end, next send after SENT (not the client way)', fmt(r.e2eAfterSent), ''],
    [
      'end to end, default dev-server settings',
      fmt(r.e2eDefaultSettings),
      `tuned = ${r.ratios.e2eTunedVsDefaultSettings}x default`,
    ],
    [
      `burst: ${r.burst.burst.messages} msgs, 50 convs chatting`,
      `${r.burst.burst.perSecond.toFixed(1)} msg/s; e2e ${fmt(r.burst.burst.e2e)}`,
      `${r.ratios.burstThroughputVsCeiling}x ceiling (${c.burst.perSecond.toFixed(1)} wf/s); p99 ${r.ratios.burstE2eP99VsCeiling}x (${fmt(c.burst.e2e)})`,
    ],
    [
      'burst, slowest tenth: where the time went (p50)',
      phasesOf(r.burstTimeline.slowestTenth),
      `first task not eager: ${r.burstTimeline.slowestTenth.firstTaskNotEager}/${r.burstTimeline.slowestTenth.n}`,
    ],
    [
      '20 msgs in 200 ms, one conversation',
      `20th reply after ${r.burst.oneConversation.msUntil20thReply} ms`,
      r.burst.oneConversation.inOrder ? 'in order' : 'OUT OF ORDER',
    ],
    [
      'time to first delta',
      fmt(r.streaming.timeToFirstDelta),
      `LLM TTFT ${r.streaming.llmTimeToFirstToken.p50} ms; overhead p50 ${r.streaming.overhead.p50} ms`,
    ],
    [
      'history ?after near start / end (p50, p99)',
      `${r.history.afterNearStart.p50}, ${r.history.afterNearStart.p99} / ${r.history.afterNearEnd.p50}, ${r.history.afterNearEnd.p99} ms`,
      `depth ${r.history.depth}`,
    ],
    [
      'history ?before near start / end (p50, p99)',
      `${r.history.beforeNearStart.p50}, ${r.history.beforeNearStart.p99} / ${r.history.beforeNearEnd.p50}, ${r.history.beforeNearEnd.p99} ms`,
      '',
    ],
    [
      'history ?page near start / end (p50, p99)',
      `${r.history.pageNearStart.p50}, ${r.history.pageNearStart.p99} / ${r.history.pageNearEnd.p50}, ${r.history.pageNearEnd.p99} ms`,
      'the foil',
    ],
    [
      'fan-out user msg saved -> all 10 subs',
      fmt(r.fanout.userMessageSavedToAllSubscribers),
      `${r.fanout.sockets} sockets`,
    ],
    [
      'fan-out reply saved -> all 10 subs',
      fmt(r.fanout.replySavedToAllSubscribers),
      r.fanout.everySubscriberGotEveryEvent ? 'all delivered' : 'SOME MISSING',
    ],
    [
      'widget.js, as sent (gzip) / plain',
      `${(r.widget.scriptGzipBytes / 1024).toFixed(1)} KB / ${(r.widget.scriptBytes / 1024).toFixed(1)} KB`,
      'Socket.IO client included',
    ],
    ['widget: page load -> launcher painted', fmt(r.widget.pageLoadToLauncher), 'fresh profile, another origin'],
    [
      'widget: Enter -> first delta painted',
      fmt(r.widget.enterToFirstDeltaPainted),
      `LLM TTFT ${r.widget.llmTimeToFirstToken.p50} ms; Enter -> model asked ${r.widget.enterToLlmRequest.p50}, first token -> painted ${r.widget.firstTokenToPainted.p50}`,
    ],
    [
      'RSS idle / after burst / 1,000 sockets',
      `${r.memory.idleMiB} / ${r.memory.afterBurstMiB} / ${r.memory.with1000SocketsMiB} MiB`,
      '',
    ],
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  process.stdout.write(`\n${rows.map(([a, b, c2]) => `${a.padEnd(width)}  ${b.padEnd(34)}  ${c2}`).join('\n')}\n\n`);
  for (const [target, met] of Object.entries(r.targets))
    process.stdout.write(`${met ? 'MET   ' : 'MISSED'} ${target}\n`);
}

const fmt = (s: { p50: number; p90: number; p99: number }) => `${s.p50} / ${s.p90} / ${s.p99} ms`;
const phasesOf = (t: { phases: Record<string, { p50: number }> }) =>
  Object.entries(t.phases)
    .map(([phase, s]) => `${phase} ${Math.round(s.p50)}`)
    .join(', ');

await main();
