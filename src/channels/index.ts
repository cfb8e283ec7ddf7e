import type { Presenter } from '../model/present.js';
import type { Metrics } from '../observability/metrics.js';
import type { Channels } from './channel.js';
import { instrumentChannels } from './metered.js';
import { createWebhookChannel } from './webhook.js';
import { createWhatsAppChannel } from './whatsapp/index.js';
import { widgetChannel } from './widget.js';

/**
 * The channels: the widget's room, the customer's signed webhook, and the WhatsApp Cloud API,
 * each delivery attempt counted in the metrics.
 */
export function createChannels(options: { graphApiBaseUrl: string; present: Presenter; metrics: Metrics }): Channels {
  return instrumentChannels(
    { WIDGET: widgetChannel, WEBHOOK: createWebhookChannel(options.present), WHATSAPP: createWhatsAppChannel(options) },
    options.metrics,
  );
}

export type { ChannelAdapter, Channels, InboundDeps } from './channel.js';
