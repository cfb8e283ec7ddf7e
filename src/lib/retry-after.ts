/**
 * How long a server asked to wait before a retry: Retry-After (seconds or an HTTP date) or
 * retry-after-ms, capped at `maxMs`; undefined means the caller's normal backoff.
 */
export function retryAfterMs(
  headers: Headers | Record<string, string | null | undefined> | undefined,
  maxMs: number,
): number | undefined {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers?.[name] ?? undefined));
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return Math.min(ms, maxMs);
  const raw = get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  const delay = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(delay) && delay > 0 ? Math.min(delay, maxMs) : undefined;
}
