import type { Channels } from './channel.js';
import { widgetChannel } from './widget.js';

/** The delivery adapters of this version: the widget only; WEBHOOK and WHATSAPP have none yet. */
export function createChannels(): Channels {
  return { WIDGET: widgetChannel };
}

export type { ChannelAdapter, Channels } from './channel.js';
