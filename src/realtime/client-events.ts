import type { MikroORM } from '@mikro-orm/postgresql';
import type { Socket } from 'socket.io';
import {
  receiptSchema as messagePayload,
  subscriptionSchema as subscriptionPayload,
} from '../contracts/socket-events.js';
import { forbidden, notFound } from '../errors.js';
import { currentStatus, type StatusChanges } from '../lifecycle/statuses.js';
import { Message } from '../model/message.entity.js';
import { findOwnedChatbot } from '../modules/chatbots/chatbot.store.js';
import { findVisibleConversation } from '../modules/conversations/conversation.store.js';
import {
  chatbotRoom,
  conversationRoom,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from './events.js';

export type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * What a connected client may ask, event by event: each answer is its ack's `data`; a thrown
 * error becomes its ack's error (src/realtime/gateway.ts).
 */
export function clientEvents(
  socket: ClientSocket,
  deps: { orm: MikroORM; receipt: StatusChanges['receive'] },
): Record<keyof ClientToServerEvents, (payload: unknown) => Promise<unknown>> {
  /**
   * A live client confirms what it received / showed (receiveDelivered, receiveRead): forward
   * only, checked in the UPDATE itself; only the call that made the change publishes it.
   */
  const confirm = (status: 'DELIVERED' | 'READ') => async (payload: unknown) => {
    const { messageId } = messagePayload.parse(payload);
    const em = deps.orm.em.fork();
    const message = await em.findOne(Message, {
      id: messageId,
      conversation: { chatbot: { customerId: socket.data.customerId } },
    });
    if (!message) throw notFound('Message');
    if (socket.data.widget) {
      await findVisibleConversation(em, socket.data, message.conversation.id).catch(() =>
        Promise.reject(notFound('Message')),
      );
    }
    if (await deps.receipt(messageId, status)) return { messageId, status };
    return { messageId, status: await currentStatus(em, messageId) };
  };

  return {
    /**
     * A conversation's room (its messages, statuses, deltas), or a chatbot's (every conversation
     * status change of that bot: an agent dashboard learns of a handoff without polling).
     */
    async subscribe(payload) {
      const target = subscriptionPayload.parse(payload);
      if ('chatbotId' in target) {
        if (socket.data.widget) throw forbidden('A widget token can only subscribe to its end user’s conversations');
        await findOwnedChatbot(deps.orm.em.fork(), socket.data.customerId, target.chatbotId);
        await socket.join(chatbotRoom(target.chatbotId));
        return target;
      }
      await findVisibleConversation(deps.orm.em.fork(), socket.data, target.conversationId);
      await socket.join(conversationRoom(target.conversationId));
      return target;
    },

    async unsubscribe(payload) {
      const target = subscriptionPayload.parse(payload);
      await socket.leave(
        'chatbotId' in target ? chatbotRoom(target.chatbotId) : conversationRoom(target.conversationId),
      );
      return target;
    },

    'message:delivered': confirm('DELIVERED'),
    'message:read': confirm('READ'),
  };
}
