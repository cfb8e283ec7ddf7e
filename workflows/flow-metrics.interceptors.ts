import {
  ApplicationFailure,
  isCancellation,
  TemporalFailure,
  proxySinks,
  type Sinks,
  type WorkflowExecuteInput,
  type WorkflowInterceptorsFactory,
  type Next,
  type WorkflowInboundCallsInterceptor,
} from '@temporalio/workflow';
import type { MessageFlowInput, MessageFlowResult } from './contracts.js';

/** Called by the flow as it finishes; run by the worker outside the sandbox, never on replay. */
export interface FlowMetricsSinks extends Sinks {
  flowMetrics: {
    finished(labels: { outcome: string; failureType: string; channel: string }): void;
  };
}

const { flowMetrics } = proxySinks<FlowMetricsSinks>();

/**
 * Reports how each message flow ended (its outcome, failure type and channel) through a sink:
 * no command, no extra workflow task, nothing in the history; the worker counts it. At least once:
 * a worker that dies between finishing a run and Temporal taking the result leaves the end to be
 * run (and counted) again elsewhere; a run terminated or timed out by ops is not counted.
 */
class FlowOutcome implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const channel = (input.args[0] as MessageFlowInput | undefined)?.channel ?? 'unknown';
    try {
      const result = (await next(input)) as MessageFlowResult;
      flowMetrics.finished({ outcome: result.status, failureType: 'none', channel });
      return result;
    } catch (err) {
      // Only failures that close the run count: any other error fails the workflow task, which
      // Temporal retries (a bug being fixed), and would be counted at every try.
      const cancelled = isCancellation(err);
      if (cancelled || err instanceof TemporalFailure) {
        flowMetrics.finished({
          outcome: cancelled ? 'CANCELLED' : 'FAILED',
          failureType: cancelled ? 'FlowCancelled' : failureType(err),
          channel,
        });
      }
      throw err;
    }
  }
}

/** The cause's type the flow's ReplyFailed carries in its details (one of FailureTypes). */
function failureType(err: unknown): string {
  if (!(err instanceof ApplicationFailure)) return 'unknown';
  const detail = err.details?.[0] as { type?: unknown } | undefined;
  return typeof detail?.type === 'string' ? detail.type : (err.type ?? 'unknown');
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new FlowOutcome()] });
