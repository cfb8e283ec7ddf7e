import type { Server } from 'socket.io';
import type { MessageDto } from '../modules/messages/message.entity.js';
import { withoutFlowLinks } from '../temporal/ui-links.js';
import {
  chatbotRoom,
  conversationRoom,
  NAMESPACE,
  type ConversationStatusEvent,
  type ClientToServerEvents,
  type DeltaEvent,
  type ServerToClientEvents,
  type SocketData,
  type StatusEvent,
} from './events.js';

/**
 * Where activities send realtime events. Backed by a Socket.IO server: the API's own in the
 * all-in-one process, or a headless one on a shared adapter (Redis Streams) in a worker process.
 */
export interface Publisher {
  message(message: MessageDto): void;
  status(event: StatusEvent): void;
  typing(conversationId: string, isTyping: boolean): void;
  delta(event: DeltaEvent): void;
  /** To the conversation's room and its chatbot's room. */
  conversationStatus(event: ConversationStatusEvent): void;
}

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A publisher that emits to the conversation's room of the `/messages` namespace. */
export function createSocketPublisher(io: IoServer): Publisher {
  const room = (conversationId: string) => io.of(NAMESPACE).to(conversationRoom(conversationId));
  return {
    // A room holds end users' widgets too: the Temporal UI's addresses are left out (null).
    message: (message) => room(message.conversationId).emit('message', withoutFlowLinks(message)),
    status: (event) => room(event.conversationId).emit('message:status', event),
    typing: (conversationId, isTyping) => room(conversationId).emit('typing', { conversationId, isTyping }),
    delta: (event) => room(event.conversationId).emit('message:delta', event),
    conversationStatus: (event) =>
      io
        .of(NAMESPACE)
        .to([conversationRoom(event.conversationId), chatbotRoom(event.chatbotId)])
        .emit('conversation:status', event),
  };
}
