import type { FlowSteps } from '../workflows/contracts.js';
import { createLlmSteps, type LlmStepDeps } from './llm.activities.js';
import { createReplySteps } from './reply.activities.js';
import { classifiedSteps } from './step-errors.js';
import { createTurnSteps } from './turn.activities.js';

export type ActivityDeps = LlmStepDeps;
export type { ReplyBounds } from './llm.activities.js';

/**
 * Every step of the message flow (workflows/contracts.ts FlowSteps), bound to its dependencies.
 * Each loads what it needs, calls a transition of src/lifecycle and returns; its errors are
 * classified for Temporal (step-errors.ts).
 */
export function createActivities(deps: ActivityDeps): FlowSteps {
  return classifiedSteps({ ...createTurnSteps(deps), ...createReplySteps(deps), ...createLlmSteps(deps) });
}
