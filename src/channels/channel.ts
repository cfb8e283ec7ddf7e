import type { Route } from '../http/route.js';
import type { StatusChanges } from '../lifecycle/statuses.js';
import type { Logger } from '../logger.js';
import type { Channel, IConversation } from '../model/conversation.entity.js';
import type { IMessage } from '../model/message.entity.js';
import type { Receive } from './receive.js';

/** What a channel answered on accepting a message: its own id for it (a WhatsApp wamid). */
export interface Delivered {
  externalId?: string;
}

/** What a channel's inbound side works with: accepting a message, recording a receipt. */
export interface InboundDeps {
  /** A user's message that came in through the channel: accepted once per provider id, then answered. */
  receive: Receive;
  /** A status the channel reports for a message it took (receiveSent, receiveDelivered, …). */
  receipt: StatusChanges['receive'];
  logger: Logger;
}

/**
 * One channel a conversation runs on (WIDGET, WEBHOOK, WHATSAPP), in one folder: how a reply goes
 * out, and — for a channel whose provider calls us — how messages and receipts come in.
 */
export interface ChannelAdapter {
  /**
   * Hands the reply to the channel; resolves once the channel accepted it (the reply is then SENT).
   * May be called again for the same reply after a crash or retry: adapters must tolerate that.
   */
  deliver(reply: IMessage, conversation: IConversation): Promise<Delivered | void>;
  /**
   * Optional: tells the channel the bot started working on an inbound message (WhatsApp: read,
   * with a typing indicator). Best effort: a failure here never fails the reply.
   */
  acknowledge?(message: IMessage, conversation: IConversation): Promise<void>;
  /**
   * Optional: the routes where the channel's provider calls us (signed webhooks: handshakes,
   * messages, receipts). WIDGET and WEBHOOK have none: their messages come in through
   * POST /messages/send (a widget token, a customer's token).
   */
  inbound?(deps: InboundDeps): Route[];
}

/** The adapters this deployment has; a channel without one cannot deliver (ChannelNotConfigured). */
export type Channels = Partial<Record<Channel, ChannelAdapter>>;
