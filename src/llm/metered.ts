import type { LlmClient } from '../llm/llm.client.js';
import type { Metrics } from '../observability/metrics.js';

/** The LLM client, measured: each call's duration and outcome, its time to first token, its tokens. */
export function instrumentLlm(llm: LlmClient, metrics: Metrics): LlmClient {
  return {
    ...llm,
    async complete(request, options) {
      const started = performance.now();
      let first = true;
      const onDelta = (text: string) => {
        if (first) {
          first = false;
          metrics.llmTimeToFirstToken.observe((performance.now() - started) / 1000);
        }
        options.onDelta?.(text);
      };
      try {
        const completion = await llm.complete(request, { ...options, onDelta });
        metrics.llmDuration.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
        if (completion.usage) {
          metrics.llmTokens.inc({ kind: 'prompt' }, completion.usage.promptTokens);
          metrics.llmTokens.inc({ kind: 'completion' }, completion.usage.completionTokens);
        }
        return completion;
      } catch (err) {
        metrics.llmDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
        throw err;
      }
    },
  };
}
