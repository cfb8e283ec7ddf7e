import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { isDatabaseUnavailable } from '../src/db/unavailable.js';
import { FailureTypes } from '../workflows/contracts.js';

/** Attempts after which an unexpected error (a bug, bad data) stops being retried. */
const UNEXPECTED_ERROR_ATTEMPTS = 8;

/**
 * Sorts an error thrown by a flow step into what Temporal should do: a database outage becomes
 * DatabaseUnavailable (the workflow waits it out, however long); our own typed failures and
 * cancellation pass through; anything else is retried a few times, then fails as InternalError
 * so the message ends FAILED with a reason instead of never finishing.
 */
export function classifyStepError(err: unknown): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (isDatabaseUnavailable(err))
    return ApplicationFailure.retryable(`Database unavailable (${detail})`, FailureTypes.databaseUnavailable);
  if (Context.current().info.attempt >= UNEXPECTED_ERROR_ATTEMPTS)
    return ApplicationFailure.nonRetryable(detail, FailureTypes.internal);
  return err;
}

type Step = (input: never) => Promise<unknown>;

/** Wraps every step of a set (each takes one input) so its errors are classified. */
export function classifiedSteps<T extends Record<string, Step>>(steps: T): T {
  const wrapped: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, step] of Object.entries(steps) as [string, (input: unknown) => Promise<unknown>][]) {
    wrapped[name] = async (input) => {
      try {
        return await step(input);
      } catch (err) {
        throw classifyStepError(err);
      }
    };
  }
  return wrapped as unknown as T;
}
