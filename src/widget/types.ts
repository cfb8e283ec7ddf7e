/**
 * The server contract as the browser sees it, as types only (erased by esbuild, so the bundle holds no
 * server code and no zod): the payloads come from the one definition in src/contracts.
 */

import type {
  Ack,
  ClientEventPayloads,
  ConversationStatusEvent,
  DeltaEvent,
  MessageResource,
  MessageStatusEvent,
  ServerEventPayloads,
  TypingEvent,
} from '../contracts/socket-events.js';

export type { Ack, ConversationStatusEvent, DeltaEvent, TypingEvent };
export type Message = MessageResource;
export type Role = Message['role'];
export type DeliveryStatus = Message['deliveryStatus'];
export type ConversationStatus = ConversationStatusEvent['status'];
export type StatusEvent = MessageStatusEvent;

export interface Conversation {
  id: string;
  status: ConversationStatus;
}

/** A widget token and when it stops working (ISO). */
export interface Token {
  token: string;
  expiresAt: string;
}

/** The events as socket.io-client types them, from the one definition in src/contracts. */
export type ServerEvents = { [K in keyof ServerEventPayloads]: (payload: ServerEventPayloads[K]) => void };
export type ClientEvents = {
  subscribe: (payload: ClientEventPayloads['subscribe'], ack: (response: Ack) => void) => void;
  'message:read': (payload: ClientEventPayloads['message:read']) => void;
  'message:delivered': (payload: ClientEventPayloads['message:delivered']) => void;
};

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
