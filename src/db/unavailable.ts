import { ConnectionException } from '@mikro-orm/core';
import { anyCause } from '../lib/causes.js';

/**
 * Errors that mean "the database cannot be reached right now", not "this request is wrong":
 * socket errors, PostgreSQL shutting down or starting up, too many connections, and the
 * connection-exception class 08 (except 08P01, a protocol violation caused by bad input).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_MESSAGES =
  /connection terminated|terminating connection|connection timeout|timeout exceeded when trying to connect|client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)|cannot use a pool after calling end/i;

/** True when the error (or one of its causes) says the database is unreachable, so retrying later can succeed. */
export function isDatabaseUnavailable(err: unknown): boolean {
  return anyCause(err, (current) => {
    if (current instanceof ConnectionException) return true;
    const { code, message } = current as { code?: unknown; message?: unknown };
    return (
      (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
      (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message))
    );
  });
}
