import type { InjectedSinks } from '@temporalio/worker';
import type { FlowMetricsSinks } from '../../workflows/flow-metrics.interceptors.js';
import type { Metrics } from '../observability/metrics.js';

/** The worker's side of the flows' metrics sink: counts each finished flow once (not on replay). */
export function flowMetricsSinks(metrics: Metrics): InjectedSinks<FlowMetricsSinks> {
  return {
    flowMetrics: {
      finished: {
        fn: (_info, { outcome, failureType, channel }) =>
          metrics.flowsFinished.inc({ outcome, failure_type: failureType, channel }),
        callDuringReplay: false,
      },
    },
  };
}
