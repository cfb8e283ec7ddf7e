import { createLlmActivities, type LlmActivityDeps } from './llm.activities.js';
import { createMessageActivities, type MessageActivityDeps } from './messages.activities.js';

export type ActivityDeps = LlmActivityDeps & MessageActivityDeps;
export type { ReplyBounds } from './llm.activities.js';

/** All activities of the message flow, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMessageActivities(deps), ...createLlmActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
