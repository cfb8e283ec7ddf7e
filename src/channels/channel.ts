import type { Channel, IConversation } from '../modules/conversations/conversation.entity.js';
import type { IMessage } from '../modules/messages/message.entity.js';

/** What a channel answered on accepting a message: its own id for it (a WhatsApp wamid). */
export interface Delivered {
  externalId?: string;
}

/** Delivers saved replies to one channel (widget, webhook, WhatsApp…). */
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
}

/** The adapters this deployment has; a channel without one cannot deliver (ChannelNotConfigured). */
export type Channels = Partial<Record<Channel, ChannelAdapter>>;
