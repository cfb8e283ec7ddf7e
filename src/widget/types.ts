/**
 * The server contract as the browser sees it: copies of the DTOs (src/model) and the event payloads
 * (src/realtime/events.ts, src/lifecycle/ports.ts), kept here so the bundle imports no server code.
 */

export type Role = 'USER' | 'ASSISTANT' | 'AGENT' | 'SYSTEM';
export type DeliveryStatus = 'PENDING' | 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';
export type ConversationStatus = 'OPEN' | 'HANDOFF' | 'CLOSED';

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  role: Role;
  content: string;
  deliveryStatus: DeliveryStatus;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface Conversation {
  id: string;
  status: ConversationStatus;
}

/** A widget token and when it stops working (ISO). */
export interface Token {
  token: string;
  expiresAt: string;
}

export interface StatusEvent {
  messageId: string;
  conversationId: string;
  status: DeliveryStatus;
}

export interface TypingEvent {
  conversationId: string;
  isTyping: boolean;
}

export interface DeltaEvent {
  messageId: string;
  conversationId: string;
  attempt: number;
  index: number;
  delta: string;
}

export interface ConversationStatusEvent {
  conversationId: string;
  status: ConversationStatus;
  reason: string;
}

export type Ack =
  { ok: true; data?: unknown } | { ok: false; error: { code: string; message: string; retryAfter?: number } };

export interface ServerEvents {
  message: (message: Message) => void;
  'message:status': (event: StatusEvent) => void;
  'message:delta': (event: DeltaEvent) => void;
  typing: (event: TypingEvent) => void;
  'conversation:status': (event: ConversationStatusEvent) => void;
  ready: (info: { recovered: boolean }) => void;
  'session:expired': (info: { expiredAt: string }) => void;
}

export interface ClientEvents {
  subscribe: (payload: { conversationId: string }, ack: (response: Ack) => void) => void;
  'message:read': (payload: { messageId: string }) => void;
  'message:delivered': (payload: { messageId: string }) => void;
}

/** Who the visitor is: a signed-in user of the site (its id and the HMAC the site's server made). */
export interface WidgetUser {
  id: string;
  hash: string;
}

export interface MountOptions {
  /** Where the chatflow API lives, e.g. https://chat.example.com */
  baseUrl: string;
  chatbotId: string;
  user?: WidgetUser;
  /** The site mints tokens itself (POST /widget-tokens on its server): used instead of /widget-sessions. */
  getToken?: () => Promise<Token>;
  /** Where the widget's element goes; document.body by default. */
  container?: HTMLElement;
}

export interface WidgetHandle {
  open(): void;
  close(): void;
  destroy(): void;
}
