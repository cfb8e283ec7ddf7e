import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from '../lib/timeout.js';

/** How long a scrape waits for one gauge's refresh (a database read) before leaving it out. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * The process's Prometheus metrics (prom-client), one registry per process. Labels are bounded
 * sets (routes, statuses, channels, failure types): never an id, so series do not grow with use.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  /** Read at scrape time: gauges of state held elsewhere (sockets, the outbox). */
  const probes: (() => Promise<void>)[] = [];
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  return {
    registry,
    /** Adds a gauge refresh run before each scrape; one that fails leaves its gauge reset (absent). */
    probe(refresh: () => Promise<void> | void, gauge: Gauge) {
      // A scrape never waits on a hung database: the gauge is left out instead.
      const leaveOut = () => gauge.reset();
      probes.push(() => withTimeout(Promise.resolve().then(refresh), PROBE_TIMEOUT_MS, leaveOut).catch(leaveOut));
    },
    async collect(): Promise<string> {
      await Promise.all(probes.map((refresh) => refresh()));
      return registry.metrics();
    },
    httpDuration: new Histogram({
      name: 'chatflow_http_request_duration_seconds',
      help: 'HTTP request latency by route template, method and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: seconds,
      registers: [registry],
    }),
    sendsAccepted: new Counter({
      name: 'chatflow_sends_accepted_total',
      help: 'Messages accepted for a flow (user sends, WhatsApp inbound, agent messages); replays of an Idempotency-Key are not counted',
      labelNames: ['channel', 'role'] as const,
      registers: [registry],
    }),
    retriesAccepted: new Counter({
      name: 'chatflow_retries_accepted_total',
      help: 'POST /messages/:id/retry requests that started a new attempt',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'chatflow_rate_limited_total',
      help: 'Sends (429) and socket events refused by a rate limit, by the limit hit (user, chatbot, customer, socket)',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
    flowsFinished: new Counter({
      name: 'chatflow_flows_finished_total',
      help: 'Message flows finished, by outcome (REPLIED, HANDED_OFF, DELIVERED, SKIPPED, FAILED, CANCELLED), failure type and channel',
      labelNames: ['outcome', 'failure_type', 'channel'] as const,
      registers: [registry],
    }),
    llmDuration: new Histogram({
      name: 'chatflow_llm_request_duration_seconds',
      help: 'One LLM call, from request to the end of its stream, by outcome (ok, error)',
      labelNames: ['outcome'] as const,
      buckets: seconds,
      registers: [registry],
    }),
    llmTimeToFirstToken: new Histogram({
      name: 'chatflow_llm_time_to_first_token_seconds',
      help: 'From the LLM request to its first streamed text',
      buckets: seconds,
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: 'chatflow_llm_tokens_total',
      help: 'Tokens the LLM reported using (stream usage), by kind (prompt, completion)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'chatflow_deliveries_total',
      help: 'Delivery attempts through a channel adapter, by result: SENT (accepted), RETRYING (a transient failure, tried again), FAILED (refused for good)',
      labelNames: ['channel', 'status'] as const,
      registers: [registry],
    }),
    socketsConnected: new Gauge({
      name: 'chatflow_sockets_connected',
      help: 'Socket.IO clients connected to this API process',
      registers: [registry],
    }),
    outboxLag: new Gauge({
      name: 'chatflow_outbox_lag_seconds',
      help: 'Age of the oldest accepted message whose flow has not started (0 when none); absent when the database did not answer',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
