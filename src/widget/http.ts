/** A response that is not a 2xx, with what its problem+json body says (RFC 9457) and when to retry. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Retry-After in ms, when the server sent one (and CORS lets us read it). */
    readonly retryAfter?: number,
  ) {
    super(`${status}: ${detail}`);
  }
}

/** fetch threw or gave no response: the request may or may not have reached the server. */
export class NetworkError extends Error {}

/** Worth sending again as it is (with the same Idempotency-Key for a send): the fault was not the request's. */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return error instanceof HttpError && (error.status >= 500 || [408, 409, 425, 429].includes(error.status));
}

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

async function problemDetail(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: unknown; title?: unknown };
    if (typeof body.detail === 'string' && body.detail) return body.detail;
    if (typeof body.title === 'string' && body.title) return body.title;
  } catch {
    // Not JSON (a proxy's error page): the status text says enough.
  }
  return response.statusText || `HTTP ${response.status}`;
}

export type JsonInit = Omit<RequestInit, 'headers'> & { headers?: Record<string, string> };

/** One JSON request: the parsed body of a 2xx, else an HttpError or a NetworkError (an abort stays an abort). */
export async function requestJson<T>(url: string, init: JsonInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: {
        accept: 'application/json',
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
    });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new NetworkError(error instanceof Error ? error.message : 'network error');
  }
  if (!response.ok) {
    const detail = await problemDetail(response);
    throw new HttpError(response.status, detail, retryAfterMs(response.headers.get('retry-after')));
  }
  try {
    return (await response.json()) as T;
  } catch {
    // The body was cut off on the way: the same as no response.
    throw new NetworkError('unreadable response');
  }
}
