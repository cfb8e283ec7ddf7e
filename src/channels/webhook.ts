import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { FailureTypes } from '../../workflows/contracts.js';
import type { Presenter } from '../model/present.js';
import type { ChannelAdapter } from './channel.js';
import { channelRetryAfterMs, transient } from './retry.js';

/** Each attempt's limit; the deliver step's own limit is 10 s. */
const WEBHOOK_TIMEOUT_MS = 5000;

/** The signature a receiver recomputes: hex HMAC-SHA256(secret, timestamp + '.' + body). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The customer's own system: a reply is POSTed as `{ event: 'message.created', message,
 * conversation }` to the chatbot's webhook URL, signed. The delivery id (`X-Webhook-Id`, the
 * message's id) is the same on every attempt, so a receiver can drop repeats. 2xx: accepted.
 * 408, 429, 5xx, timeouts and connection errors: retried (Retry-After honoured up to 10 s), then
 * FAILED as ChannelUnavailable; any other answer: FAILED at once as ChannelRejected. The message
 * and the conversation have the shape the API gives them, `links` included.
 */
export const createWebhookChannel = (present: Presenter): ChannelAdapter => ({
  async deliver(reply, conversation) {
    const settings = conversation.chatbot.webhook;
    if (!settings)
      throw ApplicationFailure.nonRetryable(
        'This chatbot has no webhook set up for its WEBHOOK conversations',
        FailureTypes.channelNotConfigured,
      );
    const body = JSON.stringify({
      event: 'message.created',
      message: present.message(reply),
      conversation: present.conversation(conversation),
    });
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const where = new URL(settings.url).host; // never the path or query: they may carry tokens
    let response: Response;
    try {
      response = await fetch(settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chatflow-webhooks/1',
          'x-webhook-id': reply.id,
          'x-webhook-timestamp': timestamp,
          'x-webhook-signature': signWebhook(settings.secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (err) {
      const why =
        err instanceof Error && err.name === 'TimeoutError'
          ? `did not answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`
          : 'could not be reached';
      throw transient(`The webhook at ${where} ${why}`);
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return;
    const status = response.status;
    if (status === 408 || status === 429 || status >= 500)
      throw transient(`The webhook at ${where} answered HTTP ${status}`, channelRetryAfterMs(response.headers));
    throw ApplicationFailure.nonRetryable(
      `The webhook at ${where} refused the reply: HTTP ${status}`,
      FailureTypes.channelRejected,
    );
  },
});
