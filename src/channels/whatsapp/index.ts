import type { ChannelAdapter } from '../channel.js';
import { createWhatsAppOutbound } from './outbound.js';
import { whatsAppWebhookRoutes } from './webhook.routes.js';

/**
 * The WHATSAPP channel through Meta's Cloud API: replies go out as text messages (outbound.ts);
 * Meta's signed webhooks bring the users' messages and the statuses of ours (webhook.routes.ts,
 * inbound.ts).
 */
export function createWhatsAppChannel(options: { graphApiBaseUrl: string }): ChannelAdapter {
  return { ...createWhatsAppOutbound(options), inbound: whatsAppWebhookRoutes };
}
