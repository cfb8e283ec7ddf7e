import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../../workflows/contracts.js';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { parseOrigin } from '../lib/origin.js';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  JWT_SECRET: optionalString,
  NODE_ENV: optionalString,
  DATABASE_URL: optionalString,
  DATA_DIR: z.string().default('./data'),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  TEMPORAL_DEV_TUNED: z.enum(['true', 'false']).default('true'),
  TEMPORAL_UI_URL: optionalString,
  /** host:port where the SDK's native Prometheus exporter listens; a free loopback port when unset. */
  TEMPORAL_METRICS_BIND: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),
  EMBEDDED_LLM: z.enum(['true', 'false']).default('true'),
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  LLM_MAX_TOKENS: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  REPLY_MAX_CHARS: z.coerce.number().int().min(1).max(1_000_000).default(32_000),
  HISTORY_MAX_MESSAGES: z.coerce.number().int().positive().default(50),
  HISTORY_MAX_CHARS: z.coerce.number().int().positive().default(24_000),
  TEMPORAL_START_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  TURN_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  OUTBOX_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(2000),
  OUTBOX_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  OUTBOX_ABANDONED_AFTER_MS: z.coerce.number().int().positive().default(60_000),
  /** Meta's Graph API (a current version); tests and proxies point it elsewhere. */
  GRAPH_API_BASE_URL: z.url().default('https://graph.facebook.com/v23.0'),
  WORKFLOW_BUNDLE_PATH: optionalString,
  REDIS_URL: optionalString,
  REDIS_STREAM_NAME: z.string().default('chatflow:socket.io'),
  REDIS_STREAM_MAX_LEN: z.coerce.number().int().positive().default(100_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Rate limits per minute (src/limits); 0 turns one off. */
  RATE_LIMIT_CUSTOMER_SENDS_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_USER_SENDS_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  RATE_LIMIT_SOCKET_EVENTS_PER_MINUTE: z.coerce.number().int().min(0).default(300),
  RATE_LIMIT_KEY_PREFIX: z.string().trim().min(1).default('chatflow:limits'),
  /** POST /widget-sessions per client address (many visitors may share one behind a NAT) and per chatbot. */
  RATE_LIMIT_WIDGET_SESSIONS_PER_ADDRESS: z.coerce.number().int().min(0).default(60),
  RATE_LIMIT_WIDGET_SESSIONS_PER_CHATBOT: z.coerce.number().int().min(0).default(1200),
  /** Operators' dashboards that may call every route from a browser (comma-separated origins). */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const listed = value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      const origins = listed.map(parseOrigin);
      const bad = listed.filter((_, i) => origins[i] === undefined);
      if (bad.length > 0)
        ctx.addIssue({ code: 'custom', message: `not origins (http(s)://host[:port]): ${bad.join(', ')}` });
      return origins.filter((o) => o !== undefined);
    }),
  /** Behind a reverse proxy: the client's address comes from X-Forwarded-For (per-address limits). */
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  /** Life of the widget tokens POST /widget-sessions mints; the widget renews them before they end. */
  WIDGET_SESSION_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  /** Life of an anonymous visitor's token (kept in the browser; renewed at each session). */
  VISITOR_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(400).default(180),
});

export type Config = ReturnType<typeof loadConfig>;

/**
 * Parses the environment once into a typed config; a bad value stops start-up with a clear message.
 * `split`: the process is one role of several (api, worker), which must share every secret.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, role: { split: boolean } = { split: false }) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  const jwt = resolveJwtSecret({
    configured: c.JWT_SECRET,
    split: role.split,
    production: c.NODE_ENV === 'production',
    host: c.HOST,
    dataDir: c.DATA_DIR,
  });
  return {
    port: c.PORT,
    host: c.HOST,
    jwtSecret: jwt.secret,
    /** Set when no JWT_SECRET was configured and the loopback-only development secret is used. */
    devSecretFile: jwt.devSecretFile,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.DATA_DIR,
    temporal: {
      address: c.TEMPORAL_ADDRESS,
      namespace: c.TEMPORAL_NAMESPACE,
      taskQueue: c.TEMPORAL_TASK_QUEUE,
      cliPath: c.TEMPORAL_CLI_PATH,
      devPort: c.TEMPORAL_DEV_PORT,
      uiPort: c.TEMPORAL_UI_PORT ?? c.TEMPORAL_DEV_PORT + 1000,
      devTuned: c.TEMPORAL_DEV_TUNED === 'true',
      uiUrl: c.TEMPORAL_UI_URL,
      metricsBindAddress: c.TEMPORAL_METRICS_BIND,
      startTimeoutMs: c.TEMPORAL_START_TIMEOUT_MS,
      turnRecheckSeconds: c.TURN_RECHECK_SECONDS,
    },
    channels: { graphApiBaseUrl: c.GRAPH_API_BASE_URL.replace(/\/+$/, '') },
    outbox: {
      intervalMs: c.OUTBOX_SWEEP_INTERVAL_MS,
      graceMs: c.OUTBOX_GRACE_MS,
      abandonedAfterMs: c.OUTBOX_ABANDONED_AFTER_MS,
    },
    llm: {
      apiKey: c.OPENAI_API_KEY,
      baseUrl: c.OPENAI_BASE_URL,
      defaultModel: c.OPENAI_MODEL,
      /** With neither a key nor a base URL: run the built-in echo model instead of failing every reply. */
      embedded: c.EMBEDDED_LLM === 'true' && !c.OPENAI_API_KEY && !c.OPENAI_BASE_URL,
      timeoutMs: c.LLM_TIMEOUT_MS,
      /** `max_tokens` for chatbots that set none. */
      maxTokens: c.LLM_MAX_TOKENS,
      /** The longest reply text kept; a longer stream is cut there. */
      replyMaxChars: c.REPLY_MAX_CHARS,
      historyMaxMessages: c.HISTORY_MAX_MESSAGES,
      historyMaxChars: c.HISTORY_MAX_CHARS,
    },
    workflowBundlePath: c.WORKFLOW_BUNDLE_PATH,
    /** Socket.IO across processes (Redis Streams adapter); in-memory when unset. */
    redis: c.REDIS_URL
      ? { url: c.REDIS_URL, streamName: c.REDIS_STREAM_NAME, maxLen: c.REDIS_STREAM_MAX_LEN }
      : undefined,
    logLevel: c.LOG_LEVEL,
    /** Sends and socket events per minute (server defaults; chatbots may set their own send limits). */
    limits: {
      customerSendsPerMinute: c.RATE_LIMIT_CUSTOMER_SENDS_PER_MINUTE,
      userSendsPerMinute: c.RATE_LIMIT_USER_SENDS_PER_MINUTE,
      socketEventsPerMinute: c.RATE_LIMIT_SOCKET_EVENTS_PER_MINUTE,
      /** Redis keys of the counters (shared by every process with the same REDIS_URL and prefix). */
      keyPrefix: c.RATE_LIMIT_KEY_PREFIX,
      widgetSessionsPerAddress: c.RATE_LIMIT_WIDGET_SESSIONS_PER_ADDRESS,
      widgetSessionsPerChatbot: c.RATE_LIMIT_WIDGET_SESSIONS_PER_CHATBOT,
    },
    /** Browsers: operators' dashboards, the proxy in front, and the widget's sessions. */
    web: {
      corsOrigins: c.CORS_ORIGINS,
      trustProxy: c.TRUST_PROXY === 'true',
      sessionTtlSeconds: c.WIDGET_SESSION_TTL_SECONDS,
      visitorTtlSeconds: c.VISITOR_TOKEN_TTL_DAYS * 86_400,
    },
  };
}
