import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { retryAfterMs } from '../src/lib/retry-after.js';
import { FailureTypes } from '../workflows/contracts.js';

const MAX_RETRY_AFTER_MS = 120_000;

/**
 * Sorts a provider error into what Temporal should do with it: transient ones (5xx, 408, 409, 429,
 * timeouts, connection errors, broken streams) are retried with backoff, honouring Retry-After;
 * other 4xx are permanent and fail the reply at once.
 */
export function classifyLlmError(err: unknown): unknown {
  if (err instanceof APIUserAbortError) return err; // cancellation: let the SDK report it as such
  if (err instanceof APIConnectionError) {
    return ApplicationFailure.retryable(`LLM unreachable: ${err.message}`, FailureTypes.llmUnavailable);
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    if (status === 429) {
      return ApplicationFailure.create({
        message: `LLM rate limited (429): ${err.message}`,
        type: FailureTypes.llmUnavailable,
        nextRetryDelay: retryAfterMs(err.headers as Headers | undefined, MAX_RETRY_AFTER_MS),
      });
    }
    if (status >= 500 || status === 408 || status === 409) {
      return ApplicationFailure.retryable(`LLM failed (${status}): ${err.message}`, FailureTypes.llmUnavailable);
    }
    return ApplicationFailure.nonRetryable(
      `LLM rejected the request (${status}): ${err.message}`,
      FailureTypes.llmRejected,
    );
  }
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  // A socket reset mid-stream (TypeError: terminated, ECONNRESET), an early end, a malformed event:
  // the LLM's problem, retried as such — never taken for a database outage.
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return ApplicationFailure.retryable(`LLM stream failed: ${detail}`, FailureTypes.llmUnavailable);
}
