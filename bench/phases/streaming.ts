import { send, watch } from '../lib/client.js';
import { summarize } from '../lib/stats.js';
import { user, type BenchContext } from './context.js';

/**
 * Time to first `message:delta` against the fake LLM's own time to first token: the model waits
 * `firstTokenMs` before its first token, then streams 20 tokens 5 ms apart.
 */
export async function streamingPhase(ctx: BenchContext, count = 30, firstTokenMs = 100) {
  const watcher = await watch(ctx.app.url, ctx.token);
  const externalUserId = user('stream');
  const opened = await send(ctx.api, { chatbotId: ctx.chatbotId, externalUserId, content: 'open', channel: 'WIDGET' });
  const conversationId = opened.conversation.id;
  await watcher.subscribe(conversationId);
  await watcher.nextReply(conversationId, opened.message.seq).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));

  let firstDeltaAt: number | undefined;
  watcher.onEvent((event, payload, at) => {
    if (event === 'message:delta' && payload.conversationId === conversationId) firstDeltaAt ??= at;
  });
  const ttfd: number[] = [];
  const llmTtft: number[] = [];
  const overhead: number[] = [];
  const text = Array.from({ length: 20 }, (_, i) => `token${i}`).join(' ');
  for (let i = 0; i < count; i++) {
    firstDeltaAt = undefined;
    ctx.llm.script({ kind: 'reply', text, firstTokenDelayMs: firstTokenMs, chunkDelayMs: 5 });
    const before = ctx.llm.requests.length;
    const sent = await send(ctx.api, {
      chatbotId: ctx.chatbotId,
      conversationId,
      externalUserId,
      content: `stream ${i}`,
      channel: 'WIDGET',
    });
    const reply = await watcher.nextReply(conversationId, sent.message.seq);
    await watcher.statusReached(reply.message.id, 'SENT');
    const request = ctx.llm.requests[before];
    ttfd.push(firstDeltaAt! - sent.startedAt);
    llmTtft.push(request.firstTokenAt! - request.receivedAt);
    overhead.push(firstDeltaAt! - sent.startedAt - (request.firstTokenAt! - request.receivedAt));
  }
  watcher.close();
  return { timeToFirstDelta: summarize(ttfd), llmTimeToFirstToken: summarize(llmTtft), overhead: summarize(overhead) };
}
