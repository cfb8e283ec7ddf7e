import { delayFor, pause } from './backoff.js';
import { HttpError, isTransient, NetworkError, requestJson } from './http.js';
import { storageKeys, webStore } from './storage.js';
import type { Token, WidgetUser } from './types.js';

/** The server will not give this page a session (403 origin not allowed, 401 bad user hash, unknown bot). */
export class SessionRefused extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface SessionOptions {
  baseUrl: string;
  chatbotId: string;
  user?: WidgetUser;
  getToken?: () => Promise<Token>;
  signal: AbortSignal;
  /**
   * Why a token cannot be had for now: 'offline' (no answer: the offline banner), 'blocked' (the API
   * answers, but CORS keeps this page from reading it: its origin is not allowed); false once one came.
   */
  onTrouble: (trouble: SessionTrouble) => void;
  onRefused: (refused: SessionRefused) => void;
}

export type Session = ReturnType<typeof createSession>;
export type SessionTrouble = false | 'offline' | 'blocked';

/** Renew this long before `expiresAt`, and never more often than every 30 s (a skewed clock must not spin). */
const RENEW_AHEAD_MS = 60_000;
const MIN_RENEW_MS = 30_000;

/**
 * The widget token: asked of POST /widget-sessions (or the site's getToken), renewed ahead of its
 * expiry and whenever the server says it is stale, one renewal at a time; retried while the
 * network fails, given up for good when the server refuses the page.
 */
export function createSession(options: SessionOptions) {
  const { baseUrl, chatbotId, user, getToken, signal } = options;
  const keys = storageKeys(chatbotId);
  const local = webStore('localStorage');
  const listeners = new Set<(token: string) => void>();
  let current: { token: string; validUntil: number } | undefined;
  let stale = false;
  let refused: SessionRefused | undefined;
  let inflight: Promise<string> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener('abort', () => clearTimeout(timer));

  /** One ask: anonymous visitors resume with their stored visitor token; a refused one starts afresh. */
  async function ask(): Promise<Token> {
    if (getToken) return getToken();
    const visitorToken = user ? undefined : (local.get(keys.visitor) ?? undefined);
    try {
      const body = { chatbotId, visitorToken, userId: user?.id, userHash: user?.hash };
      const { data } = await requestJson<{ data: Token & { visitorToken?: string } }>(`${baseUrl}/widget-sessions`, {
        method: 'POST',
        body: JSON.stringify(body),
        credentials: 'omit',
        signal,
      });
      if (data.visitorToken) local.set(keys.visitor, data.visitorToken);
      return data;
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 401 && visitorToken)) throw error;
      local.set(keys.visitor, null);
      return ask();
    }
  }

  function accept({ token, expiresAt }: Token): string {
    const ttl = Math.min(Math.max(Date.parse(expiresAt) - Date.now(), 0) || 0, 86_400_000);
    current = { token, validUntil: Date.now() + Math.max(ttl, MIN_RENEW_MS + 5_000) };
    stale = false;
    clearTimeout(timer);
    timer = setTimeout(() => void renew().catch(() => undefined), Math.max(ttl - RENEW_AHEAD_MS, MIN_RENEW_MS));
    options.onTrouble(false);
    listeners.forEach((listener) => listener(token));
    return token;
  }

  /**
   * A refused preflight looks like no network to the page (fetch only throws): an opaque no-cors
   * request answered tells them apart. Retried all the same, in case it was the network after all.
   */
  async function reachable(): Promise<boolean> {
    try {
      await fetch(`${baseUrl}/health`, { mode: 'no-cors', credentials: 'omit', cache: 'no-store', signal });
      return true;
    } catch {
      return false;
    }
  }

  async function acquire(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return accept(await ask());
      } catch (error) {
        if (signal.aborted) throw error;
        if (error instanceof HttpError && !isTransient(error)) {
          refused = new SessionRefused(error.status, error.detail);
          options.onRefused(refused);
          throw refused;
        }
        const blocked = !getToken && error instanceof NetworkError && (await reachable());
        options.onTrouble(blocked ? 'blocked' : 'offline');
        await pause(delayFor(error, attempt), signal);
      }
    }
  }

  /** Renews now. `staleToken`: the one the server refused; when a renewal has replaced it already, that one is used. */
  function renew(staleToken?: string): Promise<string> {
    if (refused) return Promise.reject(refused);
    if (staleToken && current && !stale && staleToken !== current.token) return Promise.resolve(current.token);
    stale = true;
    inflight ??= acquire().finally(() => (inflight = undefined));
    return inflight;
  }

  return {
    /** A token that should still work for a while; waits for a renewal when it would not. */
    token(): Promise<string> {
      if (current && !stale && Date.now() < current.validUntil - 5_000) return Promise.resolve(current.token);
      return renew();
    },
    renew,
    /** The token as it is now (for the socket's handshake, which cannot wait). */
    current: (): string | undefined => current?.token,
    isRefused: () => refused !== undefined,
    /** Called with every new token (the socket reconnects with it). */
    onRenew(listener: (token: string) => void) {
      listeners.add(listener);
    },
  };
}
