import { HttpError, requestJson, type JsonInit } from './http.js';
import type { Session } from './session.js';
import type { Conversation, Message } from './types.js';

export type Api = ReturnType<typeof createApi>;

export interface Page {
  data: Message[];
  meta: { hasMore?: boolean };
}

/** The highest seq Postgres can hold: `?before=` it gives the newest page. */
export const NEWEST = 2147483647;

/** The REST calls the widget makes, as its end user (a widget token); a 401 renews the token and tries once more. */
export function createApi({ baseUrl, session, signal }: { baseUrl: string; session: Session; signal: AbortSignal }) {
  async function call<T>(path: string, init: JsonInit = {}): Promise<T> {
    const send = (token: string) =>
      requestJson<T>(`${baseUrl}${path}`, {
        ...init,
        credentials: 'omit',
        signal,
        headers: { ...init.headers, authorization: `Bearer ${token}` },
      });
    const token = await session.token();
    try {
      return await send(token);
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 401)) throw error;
      return send(await session.renew(token));
    }
  }

  return {
    /** The end user's current conversation: the newest one, unless it is closed (the next send starts another). */
    async currentConversation(): Promise<Conversation | undefined> {
      const { data } = await call<{ data: Conversation[] }>('/conversations?limit=1');
      return data.find((conversation) => conversation.status !== 'CLOSED');
    },

    /** A page of a conversation, ascending: `before` a seq (older history) or `after` one (catching up). */
    page(conversationId: string, where: { before: number } | { after: number }, limit: number): Promise<Page> {
      const query = 'before' in where ? `before=${where.before}` : `after=${where.after}`;
      return call<Page>(`/messages/conversation/${encodeURIComponent(conversationId)}?${query}&limit=${limit}`);
    },

    /** Sends a typed message; the key makes a repeat of the same request harmless. */
    send(content: string, idempotencyKey: string) {
      return call<{ data: { message: Message; conversation: Conversation } }>('/messages/send', {
        method: 'POST',
        body: JSON.stringify({ content }),
        headers: { 'Idempotency-Key': idempotencyKey },
      });
    },
  };
}
