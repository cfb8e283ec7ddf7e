import { messageWorkflowId } from '../../workflows/contracts.js';
import { ConversationIdKey } from './search-attributes.js';

/**
 * Addresses in the Temporal Web UI that responses carry (`links`), so ops go from a message or a
 * conversation to its flows in one click. Pure: built once by the composition root from the UI's
 * URL and the namespace; every address is null when no UI is known.
 */
export interface FlowLinks {
  /** A message's flow; the UI redirects to its latest run (after a reset or a retry, the new one). */
  flow(messageId: string): string | null;
  /** The list of a conversation's flows, filtered by its `ConversationId` search attribute. */
  flows(conversationId: string): string | null;
}

export const NO_FLOW_LINKS: FlowLinks = { flow: () => null, flows: () => null };

/** `<ui>/namespaces/<ns>/workflows/<workflowId>` and `<ui>/namespaces/<ns>/workflows?query=ConversationId="<id>"`. */
export function createFlowLinks(uiUrl: string | undefined, namespace: string): FlowLinks {
  if (!uiUrl) return NO_FLOW_LINKS;
  const workflows = `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  return {
    flow: (messageId) => `${workflows}/${encodeURIComponent(messageWorkflowId(messageId))}`,
    flows: (conversationId) => `${workflows}?query=${encodeURIComponent(`${ConversationIdKey.name}="${conversationId}"`)}`,
  };
}
