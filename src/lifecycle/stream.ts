import type { Publisher } from './ports.js';

/**
 * The end of a stream whose attempt died before it could end it (its step timed out, or its flow
 * was terminated): `typing false`, so no client shows the bot typing forever. A repeat is harmless.
 */
export function endLostStream(publisher: Publisher, conversationId: string): void {
  publisher.typing({ conversationId, isTyping: false });
}

/** How long streamed text gathers before it goes out (the first piece goes at once). */
const DELTA_INTERVAL_MS = 40;

/**
 * stream: one generation attempt's draft. Opening it publishes `typing true`; each piece of text
 * is published as `message:delta`, batched (a fast model produces hundreds of tokens a second, and
 * one packet per token costs more than it shows; the first piece goes at once: time to first token
 * is what a user notices); `end` flushes what is left and publishes `typing false`. `attempt`
 * numbers the attempts of a flow: a client drops what it had of an earlier one.
 */
export function openStream(
  publisher: Publisher,
  draft: { messageId: string; conversationId: string; attempt: number },
) {
  const { messageId, conversationId, attempt } = draft;
  let buffer = '';
  let index = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!buffer) return;
    publisher.delta({ messageId, conversationId, attempt, index: index++, delta: buffer });
    buffer = '';
  };

  publisher.typing({ conversationId, isTyping: true });
  return {
    push(text: string) {
      const first = index === 0 && !buffer;
      buffer += text;
      if (first) flush();
      else timer ??= setTimeout(flush, DELTA_INTERVAL_MS);
    },
    /** Whatever this attempt produced goes out now, never after a later attempt's deltas. */
    end() {
      flush();
      publisher.typing({ conversationId, isTyping: false });
    },
  };
}
