import type { Server } from 'socket.io';
import type { Publisher } from '../lifecycle/ports.js';
import { withoutFlowLinks } from '../model/links.js';
import {
  chatbotRoom,
  conversationRoom,
  NAMESPACE,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from './events.js';

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * The lifecycle's Publisher on Socket.IO: events go to the conversation's room of the `/messages`
 * namespace (a conversation status also to its chatbot's room). Backed by the API's own server in
 * the all-in-one process, or by a headless one on the shared Redis stream in a worker process.
 */
export function createSocketPublisher(io: IoServer): Publisher {
  const room = (conversationId: string) => io.of(NAMESPACE).to(conversationRoom(conversationId));
  return {
    // A room holds end users' widgets too: the Temporal UI's addresses are left out (null).
    message: (message) => room(message.conversationId).emit('message', withoutFlowLinks(message)),
    status: (event) => room(event.conversationId).emit('message:status', event),
    typing: (event) => room(event.conversationId).emit('typing', event),
    delta: (event) => room(event.conversationId).emit('message:delta', event),
    conversationStatus: (event) =>
      io
        .of(NAMESPACE)
        .to([conversationRoom(event.conversationId), chatbotRoom(event.chatbotId)])
        .emit('conversation:status', event),
  };
}
