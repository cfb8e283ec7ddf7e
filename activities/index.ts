import { createLlmActivities, type LlmActivityDeps } from './llm.activities.js';
import { createMessageActivities } from './messages.activities.js';

export type ActivityDeps = LlmActivityDeps;

/** All activities of the message flow, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMessageActivities(deps), ...createLlmActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
