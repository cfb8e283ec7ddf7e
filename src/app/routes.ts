import type { Channels, InboundDeps } from '../channels/index.js';
import { createReceiver } from '../channels/receive.js';
import type { Route } from '../http/route.js';
import type { Lifecycle } from '../lifecycle/index.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { chatbotRoutes } from '../modules/chatbots/chatbot.routes.js';
import { createAgentMessages } from '../modules/conversations/agent-message.js';
import { createConversationActions } from '../modules/conversations/conversation.actions.js';
import { conversationRoutes } from '../modules/conversations/conversation.routes.js';
import { createHistory } from '../modules/messages/history.js';
import { messageRoutes } from '../modules/messages/message.routes.js';
import { createRetry } from '../modules/messages/retry.js';
import { createSender } from '../modules/messages/send.js';
import { widgetTokenRoutes } from '../modules/widget-tokens/widget-token.routes.js';
import type { Deps } from './deps.js';

/**
 * Every route the API serves, from the declarations of the modules and of the channels' inbound
 * sides: the router, the widget fence and the OpenAPI document are built from this list alone.
 */
export function apiRoutes(
  deps: Deps,
  parts: { lifecycle: Lifecycle; limits: RateLimits; channels: Channels },
): Route[] {
  const { orm, links, metrics, logger, config } = deps;
  const { lifecycle, limits, channels } = parts;
  const announce = lifecycle.announceAccepted;
  const inbound: InboundDeps = {
    orm,
    receive: createReceiver({ links, metrics, announce }),
    receipt: lifecycle.receive,
    logger,
  };
  return [
    ...chatbotRoutes(orm),
    ...conversationRoutes({
      orm,
      links,
      act: createConversationActions({ change: lifecycle.changeConversationStatus, links }),
      sendAsAgent: createAgentMessages({ limits, metrics, links, announce }),
    }),
    ...messageRoutes({
      orm,
      send: createSender({ limits, metrics, links, announce }),
      history: createHistory(links),
      retry: createRetry({ startFlow: lifecycle.startFlow, limits, metrics, logger, links }),
    }),
    ...widgetTokenRoutes(orm, config.jwtSecret),
    ...Object.values(channels).flatMap((channel) => channel.inbound?.(inbound) ?? []),
  ];
}
