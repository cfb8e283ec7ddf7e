/**
 * Where a message's milliseconds go: POST -> 202 -> LLM request -> first token -> first delta ->
 * reply event, sequentially, median of each step. `node --import tsx bench/profile-flow.ts`
 */
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { send, watch } from './lib/client.js';
import { summarize } from './lib/stats.js';
import { withBenchSession } from './phases/context.js';

const { temporal } = proto;

await withBenchSession(
  async ({ app, api, token, chatbotId, llm }) => {
    const watcher = await watch(app.url, token);
    const opened = await send(api, { chatbotId, externalUserId: 'p', content: 'open', channel: 'WIDGET' });
    const conversationId = opened.conversation.id;
    await watcher.subscribe(conversationId);
    await watcher.nextReply(conversationId, opened.message.seq);
    let firstDelta: number | undefined;
    watcher.onEvent((event, _payload, at) => {
      if (event === 'message:delta') firstDelta ??= at;
    });
    const steps: Record<string, number[]> = {
      accept: [],
      postToSaved: [],
      savedToLlmRequest: [],
      toLlmRequest: [],
      llmFirstToken: [],
      firstTokenToDelta: [],
      firstDeltaToReply: [],
    };
    const toPerf = (epoch: number) => performance.now() - (Date.now() - epoch);
    for (let i = 0; i < Number(process.env.N ?? 40); i++) {
      firstDelta = undefined;
      const before = llm.requests.length;
      const sent = await send(api, {
        chatbotId,
        conversationId,
        externalUserId: 'p',
        content: `m${i}`,
        channel: 'WIDGET',
      });
      const reply = await watcher.nextReply(conversationId, sent.message.seq);
      await watcher.statusReached(reply.message.id, 'SENT');
      const req = llm.requests[before];
      steps.accept.push(sent.ms);
      steps.toLlmRequest.push(toPerf(req.receivedAt) - sent.startedAt);
      const savedAt = toPerf(Date.parse(sent.message.createdAt));
      steps.postToSaved.push(savedAt - sent.startedAt);
      steps.savedToLlmRequest.push(toPerf(req.receivedAt) - savedAt);
      steps.llmFirstToken.push(req.firstTokenAt! - req.receivedAt);
      steps.firstTokenToDelta.push(firstDelta! - toPerf(req.firstTokenAt!));
      steps.firstDeltaToReply.push(reply.at - firstDelta!);
    }
    for (const [step, values] of Object.entries(steps)) console.log(step.padEnd(20), JSON.stringify(summarize(values)));
    if (process.env.TIMELINE) {
      const connection = await Connection.connect({ address: app.temporalAddress });
      const rows = await app.db.query(
        `select id, created_at from message where conversation_id = $1 and role = 'USER' order by seq desc limit 1`,
        [conversationId],
      );
      const history = await new Client({ connection }).workflow.getHandle(`message-${rows.rows[0].id}`).fetchHistory();
      const t0 = rows.rows[0].created_at.getTime();
      for (const e of history.events ?? []) {
        const at = Number(e.eventTime!.seconds) * 1000 + Math.round(e.eventTime!.nanos! / 1e6);
        console.log(`${String(at - t0).padStart(5)} ms  ${temporal.api.enums.v1.EventType[e.eventType!]}`);
      }
      await connection.close();
    }
    watcher.close();
  },
  { defaultFirstTokenDelayMs: Number(process.env.FIRST_TOKEN_MS ?? 100) },
);
