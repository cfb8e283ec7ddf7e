import { TooManyRequests } from '../errors.js';
import type { Logger } from '../logger.js';
import { createCounter, type Counter, type CounterOptions } from './counters.js';

/** Server defaults (env); 0 turns that limit off. */
export interface LimitDefaults {
  /** All sends of one customer, over all its chatbots. */
  customerSendsPerMinute: number;
  /** One end user (chatbot + externalUserId), unless the chatbot says otherwise. */
  userSendsPerMinute: number;
  /** Events one Socket.IO connection may emit. */
  socketEventsPerMinute: number;
  /** Widget sessions started from one client address (POST /widget-sessions). */
  widgetSessionsPerAddress: number;
  /** Widget sessions started for one chatbot, from all addresses. */
  widgetSessionsPerChatbot: number;
}

/** A chatbot's own limits; null: the server default (for `sendsPerMinute`: none, the customer's applies). */
export interface ChatbotLimits {
  sendsPerMinute: number | null;
  userSendsPerMinute: number | null;
}

/** What one send counts against: always its customer, and its chatbot and end user when there are. */
export interface SendScope {
  customerId: string;
  chatbot?: { id: string; limits: Partial<ChatbotLimits> | null | undefined };
  /** The end user's externalUserId (user sends only; needs `chatbot`). */
  endUser?: string;
}

/** A counted send; `refund` gives it back when the send then fails (nothing was stored). */
export interface Admission {
  refund(): Promise<void>;
}

export interface RateLimits {
  /**
   * Counts one send against every limit that applies — the narrowest first (end user, chatbot,
   * customer), so a flood from one end user never uses up its chatbot's or customer's budget —
   * or against none: over any limit it gives back what it took and throws TooManyRequests naming
   * that limit.
   */
  consumeSend(scope: SendScope): Promise<Admission>;
  /** Counts one event of a socket connection; throws TooManyRequests over the limit. */
  consumeSocketEvent(socketId: string): Promise<void>;
  /**
   * Counts one widget session started from an address: before anything is looked up, so a flood
   * costs no database work. Throws TooManyRequests over the limit.
   */
  consumeSessionFrom(address: string): Promise<void>;
  /** Counts one widget session of a chatbot (once it is known to exist); throws TooManyRequests over the limit. */
  consumeSessionOf(chatbotId: string): Promise<void>;
}

/** Which limit: also the label of the refusals counted in /metrics. */
export type LimitScope = 'user' | 'chatbot' | 'customer' | 'socket' | 'session-address' | 'session-chatbot';

interface Budget {
  scope: LimitScope;
  counter: Counter;
  key: string;
  limit: number;
  /** Names the limit for the caller, without ids. */
  what: string;
}

/** The rate limits of this process: shared by every API process through Redis when one is given. */
export function createRateLimits(options: {
  redis?: CounterOptions['redis'];
  keyPrefix: string;
  defaults: LimitDefaults;
  logger: Logger;
  /** Told of every refusal (for metrics). */
  onRefused?: (scope: LimitScope) => void;
}): RateLimits {
  const counter = (scope: LimitScope, redis = options.redis) => ({
    scope,
    counter: createCounter(scope, { redis, keyPrefix: options.keyPrefix, logger: options.logger }),
  });
  const users = counter('user');
  const chatbots = counter('chatbot');
  const customers = counter('customer');
  // A connection lives in one process: its events are counted there, with no Redis round trip per event.
  const sockets = counter('socket', undefined);
  const sessionAddresses = counter('session-address');
  const sessionChatbots = counter('session-chatbot');
  const { defaults } = options;

  const budgetsOf = (scope: SendScope): Budget[] => {
    const budgets: (Budget | undefined)[] = [];
    const { chatbot } = scope;
    if (chatbot && scope.endUser !== undefined) {
      const limit = chatbot.limits?.userSendsPerMinute ?? defaults.userSendsPerMinute;
      budgets.push(budget(users, `${chatbot.id}:${scope.endUser}`, limit, 'this end user'));
    }
    if (chatbot?.limits?.sendsPerMinute)
      budgets.push(budget(chatbots, chatbot.id, chatbot.limits.sendsPerMinute, 'this chatbot'));
    budgets.push(budget(customers, scope.customerId, defaults.customerSendsPerMinute, 'this customer account'));
    return budgets.filter((b) => b !== undefined);
  };

  /** Takes one of each budget in order, or none of them. */
  const take = async (budgets: Budget[], noun: string): Promise<Admission> => {
    const taken: Budget[] = [];
    // Once only, however often it is called.
    const giveBack = () => Promise.all(taken.splice(0).map((b) => b.counter.remove(b.key))).then(() => undefined);
    for (const b of budgets) {
      const { count, msLeft } = await b.counter.add(b.key).catch(async (err: unknown) => {
        await giveBack();
        throw err;
      });
      taken.push(b);
      if (count > b.limit) {
        await giveBack();
        options.onRefused?.(b.scope);
        const seconds = Math.max(1, Math.ceil(msLeft / 1000));
        throw new TooManyRequests(
          `Too many ${noun} for ${b.what}: at most ${b.limit} a minute. Retry in ${seconds} s.`,
          seconds,
        );
      }
    }
    return { refund: giveBack };
  };

  return {
    consumeSend: (scope) => take(budgetsOf(scope), 'messages'),
    consumeSocketEvent: async (socketId) => {
      await take(
        [budget(sockets, socketId, defaults.socketEventsPerMinute, 'this connection')].filter((b) => b !== undefined),
        'events',
      );
    },
    consumeSessionFrom: async (address) => {
      const limit = budget(sessionAddresses, address, defaults.widgetSessionsPerAddress, 'this address');
      await take(limit ? [limit] : [], 'chat sessions');
    },
    consumeSessionOf: async (chatbotId) => {
      const limit = budget(sessionChatbots, chatbotId, defaults.widgetSessionsPerChatbot, 'this chatbot');
      await take(limit ? [limit] : [], 'chat sessions');
    },
  };
}

/** A budget, or none when its limit is 0 (off). */
function budget(
  { scope, counter }: { scope: LimitScope; counter: Counter },
  key: string,
  limit: number,
  what: string,
): Budget | undefined {
  return limit > 0 ? { scope, counter, key, limit, what } : undefined;
}
