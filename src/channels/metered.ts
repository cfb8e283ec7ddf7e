import { ApplicationFailure } from '@temporalio/common';
import type { Metrics } from '../observability/metrics.js';
import type { Channels } from './channel.js';

/**
 * Every channel adapter, counted: each delivery attempt ends SENT (the channel accepted it),
 * RETRYING (a transient failure Temporal retries) or FAILED (the channel refused it for good).
 */
export function instrumentChannels(channels: Channels, metrics: Metrics): Channels {
  const counted: Channels = {};
  for (const [channel, adapter] of Object.entries(channels) as [
    keyof Channels,
    NonNullable<Channels[keyof Channels]>,
  ][]) {
    counted[channel] = {
      ...adapter,
      async deliver(reply, conversation) {
        try {
          const delivered = await adapter.deliver(reply, conversation);
          metrics.deliveries.inc({ channel, status: 'SENT' });
          return delivered;
        } catch (err) {
          const final = err instanceof ApplicationFailure && err.nonRetryable;
          metrics.deliveries.inc({ channel, status: final ? 'FAILED' : 'RETRYING' });
          throw err;
        }
      },
    };
  }
  return counted;
}
