import { send, watch } from '../lib/client.js';
import { summarize } from '../lib/stats.js';
import { user, type BenchContext } from './context.js';

/** 500 messages over 50 conversations, 50 at a time; then 20 messages into one conversation in 200 ms. */
export async function burstPhase(ctx: BenchContext, conversations = 50, perConversation = 10) {
  const watcher = await watch(ctx.app.url, ctx.token);
  const e2e: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: conversations }, async (_, c) => {
      const externalUserId = user(`burst${c}`);
      let conversationId: string | undefined;
      for (let i = 0; i < perConversation; i++) {
        const sent = await send(ctx.api, { chatbotId: ctx.chatbotId, conversationId, externalUserId, content: `burst ${c}.${i}`, channel: 'WIDGET' });
        if (!conversationId) {
          conversationId = sent.conversation.id as string;
          await watcher.subscribe(conversationId);
          // The reply may have been emitted before the subscription: fall back to the history.
          await Promise.race([watcher.nextReply(conversationId, sent.message.seq), replyInHistory(ctx, conversationId, sent.message.seq)]);
          e2e.push(performance.now() - sent.startedAt);
          continue;
        }
        const reply = await watcher.nextReply(conversationId, sent.message.seq);
        e2e.push(reply.at - sent.startedAt);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  const total = conversations * perConversation;

  // One conversation, 20 messages within 200 ms.
  const externalUserId = user('order');
  const opened = await send(ctx.api, { chatbotId: ctx.chatbotId, externalUserId, content: 'open', channel: 'WIDGET' });
  const conversationId = opened.conversation.id;
  await watcher.subscribe(conversationId);
  await replyInHistory(ctx, conversationId, opened.message.seq);
  const replies: { content: string; at: number }[] = [];
  watcher.onEvent((event, payload, at) => {
    if (event === 'message' && payload.role === 'ASSISTANT' && payload.conversationId === conversationId) replies.push({ content: payload.content, at });
  });
  const orderStart = performance.now();
  const sends = [];
  for (let i = 0; i < 20; i++) {
    sends.push(send(ctx.api, { chatbotId: ctx.chatbotId, conversationId, externalUserId, content: `order ${i}`, channel: 'WIDGET' }));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const sent = (await Promise.all(sends)).sort((a, b) => a.message.seq - b.message.seq);
  while (replies.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
  const inOrder = replies.every((r, i) => r.content === `Echo: ${sent[i]!.message.content}`);
  watcher.close();
  return {
    burst: { messages: total, conversations, concurrency: conversations, seconds, perSecond: total / seconds, e2e: summarize(e2e) },
    oneConversation: { messages: 20, sentWithinMs: Math.round(sent.length && Math.max(...sent.map((s) => s.startedAt)) - orderStart), msUntil20thReply: Math.round(replies[19]!.at - orderStart), inOrder },
  };
}

async function replyInHistory(ctx: BenchContext, conversationId: string, seq: number) {
  for (;;) {
    const res = await ctx.api('GET', `/messages/conversation/${conversationId}?after=${seq}`);
    if ((res.body.data as any[]).some((m) => m.role === 'ASSISTANT' && m.deliveryStatus === 'SENT')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
