import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { FailureTypes } from './contracts.js';

/** What the flow reads of a step's failure to plan its next move. Deterministic, like all workflow code. */

/** An activity's failure comes wrapped in ActivityFailure; a local activity's arrives as it was thrown. */
export function isDatabaseOutage(err: unknown): boolean {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.type === FailureTypes.databaseUnavailable;
}

/** The step's last attempt timed out: it died (or hung) without finishing, its `finally` never ran. */
export function isStreamLost(err: unknown): boolean {
  return err instanceof ActivityFailure && err.activityType === 'generate' && err.cause instanceof TimeoutFailure;
}

const GENERATION_FAILURES: string[] = [
  FailureTypes.llmRejected,
  FailureTypes.llmNotConfigured,
  FailureTypes.llmUnavailable,
];

/** The LLM could not produce a reply, for good (rejected, not configured, never answered, timed out). */
export function isGenerationFailure(err: unknown): boolean {
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) return true;
  return GENERATION_FAILURES.includes(rootCause(err).type);
}

/** The step that gave up (an activity's type) and its retry state: attempts used up, or not retryable. */
export function failedStep(err: unknown): { step?: string; retryState?: string } {
  return err instanceof ActivityFailure ? { step: err.activityType, retryState: err.retryState } : {};
}

/** The innermost failure of an activity error: its type and message are what ops need. */
export function rootCause(err: unknown): { message: string; type: string } {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof ApplicationFailure) {
    return { message: current.message, type: current.type ?? FailureTypes.internal };
  }
  if (current instanceof Error) return { message: current.message, type: current.name };
  return { message: String(current), type: FailureTypes.internal };
}
