import { ApplicationFailure, Context } from '@temporalio/activity';
import { FailureTypes } from '../../workflows/contracts.js';
import { retryAfterMs } from '../lib/retry-after.js';

/** Attempts of one delivery: with the deliver step's backoff (200 ms doubling to 10 s), about 45 s. */
export const CHANNEL_MAX_ATTEMPTS = 10;
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * A failure worth another attempt (the channel is busy or down), until the attempts run out; then a
 * permanent ChannelUnavailable that says how often it was tried.
 */
export function transient(reason: string, nextRetryDelay?: number): ApplicationFailure {
  const { attempt } = Context.current().info;
  if (attempt >= CHANNEL_MAX_ATTEMPTS)
    return ApplicationFailure.nonRetryable(`${reason} (${attempt} attempts)`, FailureTypes.channelUnavailable);
  return ApplicationFailure.create({ message: reason, type: FailureTypes.channelUnavailable, nextRetryDelay });
}

/** A channel's Retry-After, capped so one delivery's attempts stay within their documented time. */
export const channelRetryAfterMs = (headers: Headers) => retryAfterMs(headers, MAX_RETRY_AFTER_MS);
