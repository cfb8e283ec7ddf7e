import { HttpError } from './http.js';

/** Retry delays: 0.5 s doubling to 10 s, so a flapping network is not hammered but recovers fast. */
export function retryDelay(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 10_000);
}

/** The wait before trying again after `error`: the backoff (at most 1 s for a 409 in flight), or a longer Retry-After. */
export function delayFor(error: unknown, attempt: number): number {
  if (!(error instanceof HttpError)) return retryDelay(attempt);
  const backoff = error.status === 409 ? Math.min(retryDelay(attempt), 1_000) : retryDelay(attempt);
  return Math.max(backoff, error.retryAfter ?? 0);
}

/**
 * Waits `ms` before a retry; while the browser is offline, until it is back online (retrying then
 * would only fail again); earlier when it comes back online or the widget is destroyed.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    window.addEventListener('online', done);
    signal.addEventListener('abort', done);
    if (navigator.onLine) timer = setTimeout(done, ms);
  });
}

/** A v4 UUID, also on plain-http pages where crypto.randomUUID does not exist (it needs a secure context). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Runs `fn` until it succeeds, waiting between tries while the fault is transient (no answer, 5xx,
 * 429); anything else (a refusal, a 4xx, the widget destroyed) is thrown to the caller.
 */
export async function retrying<T>(
  fn: () => Promise<T>,
  signal: AbortSignal,
  transient: (e: unknown) => boolean,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (signal.aborted || !transient(error)) throw error;
      await pause(delayFor(error, attempt), signal);
    }
  }
}
