/**
 * Addresses in the Temporal Web UI that responses carry (`links`), so ops go from a message or a
 * conversation to its flows in one click. The model only needs to ask for them; src/temporal
 * builds them from the UI's URL and the namespace (every address is null when no UI is known).
 */
export interface FlowLinks {
  /** A message's flow; the UI redirects to its latest run (after a reset or a retry, the new one). */
  flow(messageId: string): string | null;
  /** The list of a conversation's flows, filtered by its `ConversationId` search attribute. */
  flows(conversationId: string): string | null;
}

/** No UI known: every address is null. */
export const NO_FLOW_LINKS: FlowLinks = { flow: () => null, flows: () => null };

/**
 * The same body with every `links` address set to null, for end users: widget-token responses and
 * socket events (a conversation's room holds the end user's widget). The Temporal UI is for ops
 * (customer tokens); its address and workflow ids are not an end user's business. `metadata` is
 * the client's own JSON and is left as it is.
 */
export function withoutFlowLinks<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutFlowLinks) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'metadata') copy[key] = inner;
    else if (key === 'links' && inner !== null && typeof inner === 'object')
      copy[key] = Object.fromEntries(Object.keys(inner as object).map((name) => [name, null]));
    else copy[key] = withoutFlowLinks(inner);
  }
  return copy as T;
}
