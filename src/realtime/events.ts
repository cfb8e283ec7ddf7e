import type { WidgetScope } from '../auth/tokens.js';
import type { Ack, ClientEventName, ServerEventName, ServerEventPayloads } from '../contracts/socket-events.js';

/** The Socket.IO protocol on the server: the namespace, its rooms, and the events both ways (src/contracts/socket-events.ts). */

export { NAMESPACE } from '../contracts/socket-events.js';
export type { Ack };

/** The room of one conversation: everyone subscribed to it gets its events. */
export function conversationRoom(conversationId: string): string {
  return `conversation:${conversationId}`;
}

/** The room of one chatbot: an agent dashboard learns there of every conversation's status change. */
export function chatbotRoom(chatbotId: string): string {
  return `chatbot:${chatbotId}`;
}

export type AckCallback = (response: Ack) => void;

/** Each event the server emits, with its payload (checked against the schemas in the tests). */
export type ServerToClientEvents = { [K in ServerEventName]: (payload: ServerEventPayloads[K]) => void };

/** What a client emits is parsed by its schema before anything is done with it (src/realtime/client-events.ts). */
export type ClientToServerEvents = { [K in ClientEventName]: (payload: unknown, ack?: AckCallback) => void };

export interface SocketData {
  customerId: string;
  /** A widget token's scope: its one chatbot and end user. */
  widget?: WidgetScope;
  /** The token's `exp` in ms, when it has one: the socket is disconnected then. */
  expiresAt?: number;
}
