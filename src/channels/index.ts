import type { Channels } from './channel.js';
import { webhookChannel } from './webhook.js';
import { widgetChannel } from './widget.js';

/** The delivery adapters of this version: the widget and signed webhooks; WHATSAPP has none yet. */
export function createChannels(): Channels {
  return { WIDGET: widgetChannel, WEBHOOK: webhookChannel };
}

export type { ChannelAdapter, Channels } from './channel.js';
