import {
  RateLimiterMemory,
  RateLimiterRedis,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import type { createClient } from 'redis';
import type { Logger } from '../logger.js';

/** Every limit counts over this window: "per minute". */
const WINDOW_SECONDS = 60;

/** A Redis call slower than this counts in this process's memory instead. */
const REDIS_TIMEOUT_MS = 1000;

/**
 * After Redis failed or was slow, counts stay in memory this long before Redis is tried again: a
 * slow Redis costs one timeout per scope every 10 s, not one per send (sends may hold a database
 * connection meanwhile).
 */
const REDIS_REST_MS = 10_000;

/**
 * Counters never reject by themselves: a limit differs per chatbot and may change at any time, so
 * the counter only counts and the caller compares with the limit that applies now.
 */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export interface Count {
  /** This window's count for the key, this call included. */
  count: number;
  /** Until the window ends and the count starts again from 0. */
  msLeft: number;
}

/** One kind of counted thing (sends of a customer, events of a socket…), keyed within it. */
export interface Counter {
  /** Adds one and returns the count; atomic, so concurrent calls each get a different count. */
  add(key: string): Promise<Count>;
  /** Takes one back (an action that was refused or failed after it was counted). Best effort. */
  remove(key: string): Promise<void>;
}

export interface CounterOptions {
  /** Counts shared by every process on this Redis; in this process's memory without one. */
  redis?: ReturnType<typeof createClient>;
  keyPrefix: string;
  logger: Logger;
}

/**
 * Fixed one-minute windows from rate-limiter-flexible. In Redis each add is one Lua script (INCRBY
 * and the window's expiry together), so counts are exact across processes, concurrent first calls
 * included. When Redis is not connected or does not answer within a second, the count goes to an
 * in-memory limiter of this process instead (for the next 10 s, without asking Redis again) — what the library's `insuranceLimiter` does, done
 * here so that it is logged: limits then hold per process rather than across all of them, and
 * nothing is refused because Redis is down.
 */
export function createCounter(scope: string, options: CounterOptions): Counter {
  const keyPrefix = `${options.keyPrefix}:${scope}`;
  const memory = new RateLimiterMemory({ keyPrefix, points: UNBOUNDED, duration: WINDOW_SECONDS });
  const shared =
    options.redis &&
    new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({
        storeClient: options.redis,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        keyPrefix,
        points: UNBOUNDED,
        duration: WINDOW_SECONDS,
      }),
      timeoutMs: REDIS_TIMEOUT_MS,
    });
  let warnedAt = 0;
  const inMemory = (err: unknown) => {
    if (Date.now() - warnedAt > WINDOW_SECONDS * 1000) {
      warnedAt = Date.now();
      options.logger.warn({ scope, err: String(err) }, 'rate limits are counted per process until Redis answers again');
    }
    return memory;
  };
  let redisRestsUntil = 0;
  const run = async (op: (limiter: RateLimiterAbstract) => Promise<RateLimiterRes>) => {
    if (!shared || Date.now() < redisRestsUntil) return op(memory);
    return op(shared).catch((err: unknown) => {
      redisRestsUntil = Date.now() + REDIS_REST_MS;
      return op(inMemory(err));
    });
  };
  return {
    async add(key) {
      const res = await run((limiter) => limiter.consume(key));
      return { count: res.consumedPoints, msLeft: res.msBeforeNext };
    },
    async remove(key) {
      await run((limiter) => limiter.reward(key)).catch((err: unknown) =>
        options.logger.warn({ scope, err: String(err) }, 'a rate-limit count could not be given back'),
      );
    },
  };
}
