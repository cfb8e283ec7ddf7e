import { watch } from '../lib/client.js';
import { summarize } from '../lib/stats.js';
import { chat, e2eOf, openConversations } from './chat.js';
import type { BenchContext } from './context.js';

/**
 * From POST /messages/send to the assistant's `message` event on a subscribed socket, one
 * conversation, the client's way: the next message is sent as soon as the reply event arrives.
 * `afterSent` is the earlier bench's variant, which also waited for the flow's last step (SENT).
 */
export async function e2ePhase(ctx: BenchContext, count = 100, options: { afterSent?: boolean } = {}) {
  const watcher = await watch(ctx.app.url, ctx.token);
  const conversations = await openConversations(ctx, watcher, 1, 'e2e');
  const samples = await chat(ctx, watcher, conversations, count, options);
  watcher.close();
  return summarize(e2eOf(samples));
}
