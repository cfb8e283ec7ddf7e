import { send, watch } from '../lib/client.js';
import { summarize } from '../lib/stats.js';
import { user, type BenchContext } from './context.js';

/** From POST /messages/send to the assistant's `message` event on a subscribed socket, sequential. */
export async function e2ePhase(ctx: BenchContext, count = 100) {
  const watcher = await watch(ctx.app.url, ctx.token);
  const externalUserId = user('e2e');
  const first = await send(ctx.api, { chatbotId: ctx.chatbotId, externalUserId, content: 'warm up', channel: 'WIDGET' });
  const conversationId = first.conversation.id;
  await watcher.subscribe(conversationId);
  await watcher.nextReply(conversationId, first.message.seq);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const sent = await send(ctx.api, { chatbotId: ctx.chatbotId, conversationId, externalUserId, content: `e2e ${i}`, channel: 'WIDGET' });
    const reply = await watcher.nextReply(conversationId, sent.message.seq);
    samples.push(reply.at - sent.startedAt);
    // Sequential like the ceiling, which awaits each workflow's result: the next message starts
    // once this flow's last step (SENT) is done, not while it is still running.
    await watcher.statusReached(reply.message.id, 'SENT');
  }
  watcher.close();
  return summarize(samples);
}
