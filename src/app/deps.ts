import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { createOrm } from '../db/orm.js';
import { startEchoLlm } from '../llm/echo-llm.js';
import { createLlmClient, type LlmClient } from '../llm/llm.client.js';
import { instrumentLlm } from '../llm/metered.js';
import { redactUrl } from '../llm/redact-url.js';
import type { Logger } from '../logger.js';
import type { OriginPolicy } from '../http/cors.js';
import { createLifecycle, type Lifecycle } from '../lifecycle/index.js';
import { createRateLimits, type RateLimits } from '../limits/rate-limits.js';
import type { FlowLinks } from '../model/links.js';
import { createOriginPolicy } from '../modules/widget/origin-policy.js';
import { createPresenter, type Presenter } from '../model/present.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { connectRealtimeBus, type RealtimeBus } from '../realtime/bus.js';
import { closeIo, createIoServer, type IoServer } from '../realtime/gateway.js';
import { createSocketPublisher } from '../realtime/socket-publisher.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import { createEagerStart, createFlowInspector, createFlowStarter, createTurnWaker } from '../temporal/flows.js';
import { connectTemporal, type TemporalLink } from '../temporal/link.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { createFlowLinks } from '../temporal/ui-links.js';
import type { Config } from './config.js';

export interface Deps {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  /** Temporal, connected in the background when it does not answer at start. */
  temporal: TemporalLink;
  /** The Temporal client; throws TemporalUnavailableError until the first connection succeeded. */
  readonly client: Client;
  llm: LlmClient;
  /** This process's Prometheus metrics, served at /metrics by every role. */
  metrics: Metrics;
  /** Where the Temporal SDK's exporter serves its worker metrics, which /metrics appends. */
  sdkMetricsUrl?: string;
  /** Which LLM answers, for the start-up banner. */
  llmDescription: string;
  temporalUiUrl?: string;
  /** Addresses of flows in that UI, carried by messages and conversations (`links`); null without a UI. */
  links: FlowLinks;
  /** The public shapes of messages and conversations, with those links. */
  present: Presenter;
  /** Shared Socket.IO bus when REDIS_URL is set (needed to run API and worker as separate processes). */
  bus?: RealtimeBus;
  /** The send and socket-event limits, counted on the bus's Redis when there is one (shared by every API process). */
  limits: RateLimits;
  /** Which sites' pages may call: operators' dashboards (CORS_ORIGINS) and chatbots' widget origins. */
  origins: OriginPolicy;
  /** The process's Socket.IO server (on the bus when there is one): the API role serves clients on it. */
  io: IoServer;
  /** A message's life (src/lifecycle), publishing on `io` and starting, waking and inspecting flows on Temporal. */
  lifecycle: Lifecycle;
  /** Whether a flow may start eagerly: told of the worker when this process runs one. */
  eagerStart: ReturnType<typeof createEagerStart>;
  close(): Promise<void>;
}

/**
 * The only composition root of infrastructure: database, Temporal (an embedded dev server when no
 * TEMPORAL_ADDRESS is set), the LLM client (the built-in echo model when none is configured), the
 * Socket.IO bus (when REDIS_URL is set) and the rate limits counted on it; and, on them, the
 * process's Socket.IO server and its message lifecycle. Whatever it opened, `close` closes in reverse.
 */
export async function createDeps(config: Config, logger: Logger): Promise<Deps> {
  const sdkMetricsUrl = await installTemporalRuntime(config.logLevel, logger, config.temporal.metricsBindAddress);
  const opened: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const step of opened.reverse()) await step().catch((err) => logger.warn({ err }, 'close failed'));
  };
  try {
    let devServer: DevServer | undefined;
    if (!config.temporal.address) {
      devServer = await startDevServer({
        cliPath: config.temporal.cliPath,
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        tuned: config.temporal.devTuned,
        dbFile: join(config.dataDir, 'temporal.db'),
        pidFile: join(config.dataDir, 'temporal.pid'),
      });
      opened.push(() => devServer!.stop());
    }
    const orm = await createOrm({ url: config.databaseUrl, dataDir: config.dataDir });
    opened.push(() => orm.close());
    const temporal = connectTemporal({
      address: config.temporal.address ?? devServer!.address,
      namespace: config.temporal.namespace,
      logger,
    });
    opened.push(() => temporal.close());
    // The embedded server is ours and up: connect before going on. A remote one may come later.
    if (devServer) await temporal.ready;
    let llmConfig = config.llm;
    let llmDescription =
      (config.llm.baseUrl && redactUrl(config.llm.baseUrl)) ??
      (config.llm.apiKey ? 'OpenAI' : 'not configured: every reply fails (set OPENAI_API_KEY)');
    if (config.llm.embedded) {
      const echo = await startEchoLlm();
      opened.push(() => echo.close());
      llmConfig = { ...config.llm, baseUrl: echo.url };
      llmDescription = `built-in echo model at ${echo.url} (set OPENAI_API_KEY or OPENAI_BASE_URL for a real model)`;
    }
    let bus: RealtimeBus | undefined;
    if (config.redis) {
      bus = await connectRealtimeBus(config.redis);
      opened.push(() => bus!.close());
    }
    const metrics = createMetrics();
    const origins = createOriginPolicy(orm, config.web.corsOrigins);
    const io = createIoServer(origins, bus?.adapter);
    opened.push(() => closeIo(io));
    const eagerStart = createEagerStart();
    const temporalUiUrl = config.temporal.uiUrl ?? devServer?.uiUrl;
    const links = createFlowLinks(temporalUiUrl, config.temporal.namespace);
    return {
      config,
      logger,
      metrics,
      sdkMetricsUrl,
      bus,
      orm,
      temporal,
      get client() {
        return temporal.client();
      },
      llm: instrumentLlm(createLlmClient(llmConfig), metrics),
      llmDescription,
      temporalUiUrl,
      links,
      present: createPresenter(links),
      limits: createRateLimits({
        redis: bus?.redis,
        keyPrefix: config.limits.keyPrefix,
        defaults: config.limits,
        logger,
        onRefused: (limit) => metrics.rateLimited.inc({ limit }),
      }),
      origins,
      io,
      eagerStart,
      lifecycle: createLifecycle({
        orm,
        publisher: createSocketPublisher(io),
        logger,
        wakeTurn: createTurnWaker(temporal, logger),
        flowIsOpen: createFlowInspector(temporal),
        startFlow: createFlowStarter(temporal, {
          taskQueue: config.temporal.taskQueue,
          eager: eagerStart.allowed,
          timeoutMs: config.temporal.startTimeoutMs,
          turnRecheckSeconds: config.temporal.turnRecheckSeconds,
        }),
      }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
