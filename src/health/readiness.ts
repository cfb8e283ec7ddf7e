import { withTimeout } from '../lib/timeout.js';

/** One dependency's check: resolves when it is usable, rejects (or returns a reason) when not. */
export type ReadinessCheck = () => Promise<string | void>;

export interface ReadinessReport {
  ready: boolean;
  /** Each part: `ok`, or why it is not ready. */
  checks: Record<string, string>;
}

export interface Readiness {
  add(name: string, check: ReadinessCheck): void;
  report(): Promise<ReadinessReport>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * What a process needs to do its job, checked on demand (GET /health/ready): every check runs at
 * once with a timeout, and a part that does not answer in time counts as down.
 */
export function createReadiness(): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  return {
    add: (name, check) => void checks.set(name, check),
    async report() {
      const results = await Promise.all(
        [...checks].map(async ([name, check]) => [name, await runCheck(check)] as const),
      );
      return { ready: results.every(([, result]) => result === 'ok'), checks: Object.fromEntries(results) };
    },
  };
}

function runCheck(check: ReadinessCheck): Promise<string> {
  return withTimeout(
    check().then(
      (reason) => reason ?? 'ok',
      () => 'down',
    ),
    CHECK_TIMEOUT_MS,
    () => 'timeout',
  );
}
