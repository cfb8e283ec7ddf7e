import { pino, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type Logger = PinoLogger;

/**
 * Where secrets can appear in a log line: request headers (the request log) and the settings of a
 * chatbot or a client. pino removes them before the line is written, whoever logged it.
 */
const REDACTED_PATHS = [
  // The request line keeps no headers at all; these guard any other line that logs a raw request.
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-webhook-signature"]',
  'res.headers["set-cookie"]',
  '*.accessToken',
  '*.appSecret',
  '*.verifyToken',
  '*.secret',
  '*.apiKey',
  '*.jwtSecret',
  '*.token',
  '*.password',
  // The SDK's activity lines: a task token lets whoever holds it complete the activity.
  'taskToken',
];

export interface LoggerOptions {
  /** Fields added to every line from the async context (the flow or request the line belongs to). */
  mixin?: () => object;
  /** Lines go here; stderr when absent (stdout carries the start-up banner). */
  destination?: NodeJS.WritableStream;
}

/** Structured JSON lines (pino), ISO times, level names; `err` fields keep their stack for operators. */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // `err` is ours, `error` the Temporal SDK's (a failed activity, a failed workflow task).
      serializers: { err: serializeError, error: serializeError },
      mixin: options.mixin,
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/**
 * An error as a log field: its class, message, stack, code and failure type, and its causes. Not
 * its other properties: a driver's error carries the failing row (`detail`), a client's its request.
 */
function serializeError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) return value;
  const err = value as Error & { code?: unknown; type?: unknown; nonRetryable?: unknown };
  return {
    type: err.name,
    message: err.message,
    stack: err.stack,
    ...((typeof err.code === 'string' || typeof err.code === 'number') && { code: err.code }),
    ...(typeof err.type === 'string' && { failureType: err.type }),
    ...(typeof err.nonRetryable === 'boolean' && { nonRetryable: err.nonRetryable }),
    ...(err.cause !== undefined && depth < 4 && { cause: serializeError(err.cause, depth + 1) }),
  };
}
