import { send, watch } from '../lib/client.js';
import { summarize } from '../lib/stats.js';
import { chat, e2eOf, openConversations } from './chat.js';
import { user, type BenchContext } from './context.js';

/**
 * 50 conversations chatting at once, 10 messages each (500): each sends its next message as soon as
 * it sees the previous reply's event — like the ceiling's 50 senders that each await a result.
 * Then 20 messages into one conversation within 200 ms. `samples` are per message (for timelines).
 */
export async function burstPhase(ctx: BenchContext, conversations = 50, perConversation = 10) {
  const watcher = await watch(ctx.app.url, ctx.token);
  const opened = await openConversations(ctx, watcher, conversations, 'burst');
  const began = performance.now();
  const samples = await chat(ctx, watcher, opened, perConversation);
  const seconds = (performance.now() - began) / 1000;
  const total = conversations * perConversation;

  // One conversation, 20 messages within 200 ms.
  const externalUserId = user('order');
  const opened1 = await send(ctx.api, { chatbotId: ctx.chatbotId, externalUserId, content: 'open', channel: 'WIDGET' });
  const conversationId = opened1.conversation.id;
  await watcher.subscribe(conversationId);
  await replyInHistory(ctx, conversationId, opened1.message.seq);
  const replies: { content: string; at: number }[] = [];
  watcher.onEvent((event, payload, at) => {
    if (event === 'message' && payload.role === 'ASSISTANT' && payload.conversationId === conversationId)
      replies.push({ content: payload.content, at });
  });
  const orderStart = performance.now();
  const sends = [];
  for (let i = 0; i < 20; i++) {
    sends.push(
      send(ctx.api, {
        chatbotId: ctx.chatbotId,
        conversationId,
        externalUserId,
        content: `order ${i}`,
        channel: 'WIDGET',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const sent = (await Promise.all(sends)).sort((a, b) => a.message.seq - b.message.seq);
  while (replies.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
  const inOrder = replies.every((r, i) => r.content === `Echo: ${sent[i].message.content}`);
  watcher.close();
  return {
    burst: {
      messages: total,
      conversations,
      concurrency: conversations,
      seconds,
      perSecond: total / seconds,
      e2e: summarize(e2eOf(samples)),
      accept: summarize(samples.map((s) => s.acceptedAt - s.postAt)),
    },
    oneConversation: {
      messages: 20,
      sentWithinMs: Math.round(sent.length && Math.max(...sent.map((s) => s.startedAt)) - orderStart),
      msUntil20thReply: Math.round(replies[19].at - orderStart),
      inOrder,
    },
    samples,
  };
}

async function replyInHistory(ctx: BenchContext, conversationId: string, seq: number) {
  for (;;) {
    const res = await ctx.api('GET', `/messages/conversation/${conversationId}?after=${seq}`);
    if ((res.body.data as any[]).some((m) => m.role === 'ASSISTANT' && m.deliveryStatus === 'SENT')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
