import type { FlowLinks } from '../model/links.js';
import type { Channels } from './channel.js';
import { createWebhookChannel } from './webhook.js';
import { createWhatsAppChannel } from './whatsapp/index.js';
import { widgetChannel } from './widget.js';

/** The channels: the widget's room, the customer's signed webhook, and the WhatsApp Cloud API. */
export function createChannels(options: { graphApiBaseUrl: string; links: FlowLinks }): Channels {
  return {
    WIDGET: widgetChannel,
    WEBHOOK: createWebhookChannel(options.links),
    WHATSAPP: createWhatsAppChannel(options),
  };
}

export type { ChannelAdapter, Channels, InboundDeps } from './channel.js';
