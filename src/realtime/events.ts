import type { WidgetScope } from '../auth/tokens.js';
import type { ConversationStatusEvent, DeltaEvent, StatusEvent, TypingEvent } from '../lifecycle/ports.js';
import type { MessageDto } from '../model/message.entity.js';

/** The Socket.IO protocol: the namespace, its rooms, and the typed events both ways (payloads: src/lifecycle/ports.ts). */

export const NAMESPACE = '/messages';

/** The room of one conversation: everyone subscribed to it gets its events. */
export function conversationRoom(conversationId: string): string {
  return `conversation:${conversationId}`;
}

/** The room of one chatbot: an agent dashboard learns there of every conversation's status change. */
export function chatbotRoom(chatbotId: string): string {
  return `chatbot:${chatbotId}`;
}

export type Ack<T = unknown> =
  | { ok: true; data?: T }
  | { ok: false; error: { code: 'invalid' | 'not_found' | 'forbidden' | 'internal'; message: string } }
  /** Over the connection's event limit: the event was not handled; `retryAfter` in seconds. */
  | { ok: false; error: { code: 'rate_limited'; message: string; retryAfter: number } };

export type AckCallback = (response: Ack) => void;

export interface ServerToClientEvents {
  message: (message: MessageDto) => void;
  'message:status': (event: StatusEvent) => void;
  typing: (event: TypingEvent) => void;
  'message:delta': (event: DeltaEvent) => void;
  'conversation:status': (event: ConversationStatusEvent) => void;
  ready: (info: { recovered: boolean }) => void;
  /** The token's `exp` passed: the server disconnects right after; reconnect with a fresh token. */
  'session:expired': (info: { expiredAt: string }) => void;
}

export interface ClientToServerEvents {
  subscribe: (payload: unknown, ack?: AckCallback) => void;
  unsubscribe: (payload: unknown, ack?: AckCallback) => void;
  'message:delivered': (payload: unknown, ack?: AckCallback) => void;
  'message:read': (payload: unknown, ack?: AckCallback) => void;
}

export interface SocketData {
  customerId: string;
  /** A widget token's scope: its one chatbot and end user. */
  widget?: WidgetScope;
  /** The token's `exp` in ms, when it has one: the socket is disconnected then. */
  expiresAt?: number;
}
