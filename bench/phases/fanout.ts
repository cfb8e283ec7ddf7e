import { io, type Socket } from 'socket.io-client';
import { drain } from '../lib/app.js';
import { send } from '../lib/client.js';
import { summarize } from '../lib/stats.js';
import { user, type BenchContext } from './context.js';

/**
 * 1,000 connected sockets over 100 conversations (10 each). For every message, the time from its
 * being saved (its createdAt, stamped by the app) to its event arriving at every subscriber.
 */
export async function fanoutPhase(ctx: BenchContext, conversations = 100, perConversation = 10, rssMiB?: () => number) {
  const ids: { conversationId: string; externalUserId: string }[] = [];
  for (let c = 0; c < conversations; c++) {
    const externalUserId = user(`fan${c}`);
    const opened = await send(ctx.api, {
      chatbotId: ctx.chatbotId,
      externalUserId,
      content: 'open',
      channel: 'WIDGET',
    });
    ids.push({ conversationId: opened.conversation.id, externalUserId });
  }
  await drain(ctx.app.db);

  // arrivals[messageId] = epoch ms at which each subscriber got it
  const arrivals = new Map<string, { createdAt: number; role: string; at: number[] }>();
  const sockets: Socket[] = [];
  for (const { conversationId } of ids) {
    for (let s = 0; s < perConversation; s++) {
      const socket = io(`${ctx.app.url}/messages`, {
        auth: { token: ctx.token },
        transports: ['websocket'],
        forceNew: true,
      });
      socket.on('message', (m: any) => {
        const at = Date.now();
        const entry = arrivals.get(m.id) ?? {
          createdAt: Date.parse(m.createdAt),
          role: m.role as string,
          at: [] as number[],
        };
        entry.at.push(at);
        arrivals.set(m.id, entry);
      });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      await socket.timeout(10_000).emitWithAck('subscribe', { conversationId });
    }
  }
  const memoryWith1000Sockets = rssMiB?.();

  // One message into every conversation, 10 per second: the figure is the fan-out, not a queue of
  // flows waiting for a busy Temporal server (the burst case measures that).
  const sends = [];
  for (const { conversationId, externalUserId } of ids) {
    sends.push(
      send(ctx.api, {
        chatbotId: ctx.chatbotId,
        conversationId,
        externalUserId,
        content: 'fan out',
        channel: 'WIDGET',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await Promise.all(sends);
  await drain(ctx.app.db);
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const socket of sockets) socket.close();

  const toAll = (role: string) =>
    [...arrivals.values()]
      .filter((e) => e.role === role && e.at.length === perConversation)
      .map((e) => Math.max(...e.at) - e.createdAt);
  const complete = [...arrivals.values()].every((e) => e.at.length === perConversation);
  return {
    sockets: conversations * perConversation,
    conversations,
    everySubscriberGotEveryEvent: complete,
    userMessageSavedToAllSubscribers: summarize(toAll('USER')),
    replySavedToAllSubscribers: summarize(toAll('ASSISTANT')),
    memoryWith1000SocketsMiB: memoryWith1000Sockets,
  };
}
