import type { Channels } from './channel.js';
import { webhookChannel } from './webhook.js';
import { createWhatsAppChannel } from './whatsapp.js';
import { widgetChannel } from './widget.js';

/** The delivery adapters: the widget's room, signed webhooks, and the WhatsApp Cloud API. */
export function createChannels(options: { graphApiBaseUrl: string }): Channels {
  return { WIDGET: widgetChannel, WEBHOOK: webhookChannel, WHATSAPP: createWhatsAppChannel(options) };
}

export type { ChannelAdapter, Channels } from './channel.js';
