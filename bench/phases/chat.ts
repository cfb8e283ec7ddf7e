import { drain } from '../lib/app.js';
import { send, type Watcher } from '../lib/client.js';
import { sleep } from '../lib/stats.js';
import type { ClientSample } from '../lib/timeline.js';
import { user, type BenchContext } from './context.js';

export interface Conversation {
  conversationId: string;
  externalUserId: string;
}

const epoch = (perfMs: number) => performance.timeOrigin + perfMs;

/**
 * Opens `count` conversations (first message, subscription, reply) and waits until their flows are
 * done, so what follows starts on a quiet system and every message it sends goes the same way.
 */
export async function openConversations(
  ctx: BenchContext,
  watcher: Watcher,
  count: number,
  label: string,
): Promise<Conversation[]> {
  const opened = await Promise.all(
    Array.from({ length: count }, async (_, c) => {
      const externalUserId = user(`${label}${c}`);
      const sent = await send(ctx.api, {
        chatbotId: ctx.chatbotId,
        externalUserId,
        content: 'open',
        channel: 'WIDGET',
      });
      await watcher.subscribe(sent.conversation.id);
      return { conversationId: sent.conversation.id as string, externalUserId };
    }),
  );
  await drain(ctx.app.db);
  await sleep(500); // turn_finished_at is set before the flows' last step (SENT): let those finish too
  return opened;
}

/**
 * Every conversation chats at the same time, the way a chat user does: send, wait for the reply's
 * `message` event, send the next message at once. `afterSent` (not the client's way; the earlier
 * bench's "sequential") also waits for the reply's `message:status SENT`, the flow's last step.
 */
export async function chat(
  ctx: BenchContext,
  watcher: Watcher,
  conversations: Conversation[],
  perConversation: number,
  options: { afterSent?: boolean } = {},
) {
  const samples: ClientSample[] = [];
  await Promise.all(
    conversations.map(async ({ conversationId, externalUserId }, c) => {
      for (let i = 0; i < perConversation; i++) {
        const sent = await send(ctx.api, {
          chatbotId: ctx.chatbotId,
          conversationId,
          externalUserId,
          content: `chat ${c}.${i}`,
          channel: 'WIDGET',
        });
        const reply = await watcher.nextReply(conversationId, sent.message.seq);
        samples.push({
          messageId: sent.message.id,
          postAt: epoch(sent.startedAt),
          acceptedAt: epoch(sent.startedAt + sent.ms),
          replyAt: epoch(reply.at),
        });
        if (options.afterSent) await watcher.statusReached(reply.message.id, 'SENT');
      }
    }),
  );
  return samples;
}

export const e2eOf = (samples: ClientSample[]) => samples.map((s) => s.replyAt - s.postAt);
