import type { Channels } from './channel.js';
import type { FlowLinks } from '../temporal/ui-links.js';
import { createWebhookChannel } from './webhook.js';
import { createWhatsAppChannel } from './whatsapp.js';
import { widgetChannel } from './widget.js';

/** The delivery adapters: the widget's room, signed webhooks, and the WhatsApp Cloud API. */
export function createChannels(options: { graphApiBaseUrl: string; links: FlowLinks }): Channels {
  return {
    WIDGET: widgetChannel,
    WEBHOOK: createWebhookChannel(options.links),
    WHATSAPP: createWhatsAppChannel(options),
  };
}

export type { ChannelAdapter, Channels } from './channel.js';
