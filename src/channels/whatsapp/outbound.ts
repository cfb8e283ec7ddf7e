import { ApplicationFailure } from '@temporalio/activity';
import { FailureTypes } from '../../../workflows/contracts.js';
import { WHATSAPP_WINDOW_MS } from '../../model/conversation.entity.js';
import type { ChannelAdapter } from '../channel.js';
import { channelRetryAfterMs, transient } from '../retry.js';

/** Meta's throughput and transient errors: worth another attempt. Everything else fails at once. */
const RETRYABLE_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133004]);
const TIMEOUT_MS = 8000;

/** A Graph API error body: `{ error: { message, type, code, error_subcode?, error_data?, fbtrace_id } }`. */
interface GraphError {
  error?: { code?: number; error_subcode?: number; message?: string; error_data?: { details?: string } };
}

/**
 * WHATSAPP conversations: each reply (bot or agent) is a text message through the Cloud API,
 * `POST {base}/{phoneNumberId}/messages` with the number's access token, to the conversation's
 * externalUserId (the user's phone number). The returned wamid is kept on the message. Outside the
 * 24-hour customer-service window (after the user's last message) Meta accepts only templates: the
 * reply fails as OutsideCustomerServiceWindow without calling Meta.
 */
export function createWhatsAppOutbound({
  graphApiBaseUrl,
}: {
  graphApiBaseUrl: string;
}): Pick<ChannelAdapter, 'deliver' | 'acknowledge'> {
  /** `POST {base}/{phoneNumberId}/messages` with the number's access token. */
  const postMessages = (settings: { phoneNumberId: string; accessToken: string }, payload: Record<string, unknown>) =>
    fetch(`${graphApiBaseUrl}/${settings.phoneNumberId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${settings.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', ...payload }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });

  return {
    async acknowledge(message, conversation) {
      const settings = conversation.chatbot.whatsapp;
      if (!settings || !message.externalId) return;
      const response = await postMessages(settings, {
        status: 'read',
        message_id: message.externalId,
        typing_indicator: { type: 'text' },
      });
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) throw new Error(`WhatsApp answered HTTP ${response.status} to the read receipt`);
    },

    async deliver(message, conversation) {
      const settings = conversation.chatbot.whatsapp;
      if (!settings)
        throw ApplicationFailure.nonRetryable(
          'This chatbot has no WhatsApp number set up for its WHATSAPP conversations',
          FailureTypes.channelNotConfigured,
        );
      if (message.externalId) return { externalId: message.externalId }; // Meta took it already
      const lastInbound = conversation.lastInboundAt?.getTime();
      if (lastInbound === undefined || Date.now() > lastInbound + WHATSAPP_WINDOW_MS) {
        throw ApplicationFailure.nonRetryable(
          'The user last wrote more than 24 hours ago: outside its customer-service window WhatsApp accepts only template messages',
          FailureTypes.outsideCustomerServiceWindow,
        );
      }
      let response: Response;
      try {
        response = await postMessages(settings, {
          recipient_type: 'individual',
          to: conversation.externalUserId,
          type: 'text',
          text: { preview_url: false, body: message.content },
        });
      } catch {
        throw transient('The WhatsApp Cloud API could not be reached');
      }
      const body = (await response.json().catch(() => ({}))) as GraphError & { messages?: { id?: string }[] };
      const wamid = body.messages?.[0]?.id;
      if (response.ok && wamid) return { externalId: wamid };
      const code = body.error?.code;
      const detail = `WhatsApp error ${code ?? `HTTP ${response.status}`}: ${body.error?.error_data?.details ?? body.error?.message ?? 'no message id returned'}`;
      if (code === undefined ? response.status >= 500 || response.ok : RETRYABLE_CODES.has(code))
        throw transient(detail, channelRetryAfterMs(response.headers));
      throw ApplicationFailure.nonRetryable(detail, FailureTypes.channelRejected);
    },
  };
}
