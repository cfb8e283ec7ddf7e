import { createChannels, type InboundDeps } from '../channels/index.js';
import { createReceiver } from '../channels/receive.js';
import type { Route } from '../http/route.js';
import { asyncApiRoutes } from '../realtime/asyncapi.routes.js';
import { chatbotRoutes } from '../modules/chatbots/chatbot.routes.js';
import { createAgentMessages } from '../modules/conversations/agent-message.js';
import { createConversationActions } from '../modules/conversations/conversation.actions.js';
import { conversationRoutes } from '../modules/conversations/conversation.routes.js';
import { createHistory } from '../modules/messages/history.js';
import { messageRoutes } from '../modules/messages/message.routes.js';
import { createRetry } from '../modules/messages/retry.js';
import { createSender } from '../modules/messages/send.js';
import { createVisitorTokens } from '../auth/visitor-tokens.js';
import { widgetTokenRoutes } from '../modules/widget-tokens/widget-token.routes.js';
import { demoRoutes } from '../modules/widget/demo.routes.js';
import { widgetScriptRoutes } from '../modules/widget/script.routes.js';
import { widgetSessionRoutes } from '../modules/widget/session.routes.js';
import type { Deps } from './deps.js';

/**
 * Every route the API serves, from the declarations of the modules and of the channels' inbound
 * sides: the router, the widget fence and the OpenAPI document are built from this list alone.
 */
export function apiRoutes(deps: Deps): Route[] {
  const { present, metrics, logger, config, limits, lifecycle } = deps;
  const announce = lifecycle.announceAccepted;
  const channels = createChannels({ present, metrics, graphApiBaseUrl: config.channels.graphApiBaseUrl });
  const inbound: InboundDeps = {
    receive: createReceiver({ present, metrics, announce }),
    receipt: lifecycle.receive,
    logger,
  };
  return [
    ...chatbotRoutes(),
    ...conversationRoutes({
      present,
      act: createConversationActions({ change: lifecycle.changeConversationStatus, present }),
      sendAsAgent: createAgentMessages({ limits, metrics, present, announce }),
    }),
    ...messageRoutes({
      send: createSender({ limits, metrics, present, announce }),
      history: createHistory(present),
      retry: createRetry({ startFlow: lifecycle.startFlow, limits, metrics, logger, present }),
    }),
    ...widgetTokenRoutes(config.jwtSecret),
    ...widgetSessionRoutes({
      jwtSecret: config.jwtSecret,
      visitors: createVisitorTokens(config.jwtSecret, config.web.visitorTtlSeconds),
      limits,
      ttlSeconds: config.web.sessionTtlSeconds,
    }),
    ...widgetScriptRoutes(),
    ...asyncApiRoutes(),
    // The demo page lives only where the development secret does: loopback, no JWT_SECRET.
    ...(config.devSecretFile ? demoRoutes() : []),
    ...Object.values(channels).flatMap((channel) => channel.inbound?.(inbound) ?? []),
  ];
}
