import { messageWorkflowId } from '../../workflows/contracts.js';
import { NO_FLOW_LINKS, type FlowLinks } from '../model/links.js';
import { ConversationIdKey } from './search-attributes.js';

/**
 * The Temporal Web UI's addresses of a message's flow and of a conversation's flows, built once by
 * the composition root from the UI's URL and the namespace:
 * `<ui>/namespaces/<ns>/workflows/<workflowId>` and `<ui>/namespaces/<ns>/workflows?query=ConversationId="<id>"`.
 */
export function createFlowLinks(uiUrl: string | undefined, namespace: string): FlowLinks {
  if (!uiUrl) return NO_FLOW_LINKS;
  const workflows = `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  return {
    flow: (messageId) => `${workflows}/${encodeURIComponent(messageWorkflowId(messageId))}`,
    flows: (conversationId) =>
      `${workflows}?query=${encodeURIComponent(`${ConversationIdKey.name}="${conversationId}"`)}`,
  };
}
