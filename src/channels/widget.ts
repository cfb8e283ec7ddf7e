import type { ChannelAdapter } from './channel.js';

/**
 * The web widget's channel is the conversation's Socket.IO room: the reply was published there the
 * moment it was saved, and history serves it to clients that were away, so it is accepted as is.
 */
export const widgetChannel: ChannelAdapter = {
  async deliver() {},
};
