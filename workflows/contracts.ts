/** Shared between workflow code, activities and the client: names, IDs and I/O shapes of the flow. */

export const DEFAULT_TASK_QUEUE = 'messages';

/** Search attributes (Keyword) set on every message flow so ops can filter in the Web UI. */
export const SEARCH_ATTRIBUTE_NAMES = ['ConversationId', 'ChatbotId'] as const;

/** `message-<messageId>`: one flow per user message; a second start of the same ID is refused by Temporal. */
export function messageWorkflowId(messageId: string): string {
  return `${MESSAGE_WORKFLOW_PREFIX}${messageId}`;
}

export const MESSAGE_WORKFLOW_PREFIX = 'message-';

export interface MessageFlowInput {
  messageId: string;
  conversationId: string;
  chatbotId: string;
  /** The conversation's channel (WIDGET, WEBHOOK, WHATSAPP): a label of the flow's metrics. */
  channel?: string;
  /** The message's seq: lets generate load the history alongside the message itself. */
  seq?: number;
  /** How often a flow waiting for its turn re-checks the database (a lost-signal net); default 30. */
  turnRecheckSeconds?: number;
  /** The API already published the user message; false when the outbox started the flow. */
  announced?: boolean;
}

/** What a permanent generation failure does instead of ending in a FAILED reply (the chatbot's choice). */
export type FailurePlan = { action: 'reply'; text: string } | { action: 'handoff' };

/**
 * Who answers a message, decided once it is the message's turn (so a handoff or a resume before
 * it counts); `myTurn: false` means an earlier message of the conversation is still being answered.
 * This is the route step's output: what ops see in the Web UI.
 */
export type Route =
  | { myTurn: false }
  | { myTurn: true; responder: 'LLM'; onFailure?: FailurePlan }
  | { myTurn: true; responder: 'RULE'; rule: number; match: string; action: 'reply' | 'handoff'; text?: string }
  /** An agent's message: the flow delivers the message itself, in its turn. */
  | { myTurn: true; responder: 'AGENT' }
  | { myTurn: true; responder: 'NONE'; reason: string };

export interface ReplyWithInput {
  messageId: string;
  replyId: string;
  text: string;
  /** Why this text (a rule, the fallback): kept in the reply's metadata. */
  metadata: Record<string, unknown>;
}

export interface HandOffInput {
  messageId: string;
  /** Said to the room with the status change, and recorded as the flow's result. */
  reason: string;
}

/** Signal to a waiting message flow: the message before it is done, check your turn again. */
export const PREDECESSOR_DONE_SIGNAL = 'predecessorDone';

/** Attempts of one generate activity: LLM 5xx, 429, timeouts and connection errors are retried this often. */
export const LLM_MAX_ATTEMPTS = 6;

export interface GenerateInput {
  messageId: string;
  conversationId?: string;
  seq?: number;
  /** The id the reply gets if this attempt is the one that saves it. */
  replyId: string;
  /**
   * How many generate activities ran before this one (each database outage starts a new one):
   * streamed deltas number their attempts across all of them, so a client never sees one twice.
   */
  round?: number;
}

export interface ReplyRef {
  replyId: string;
}

export interface GenerateResult extends ReplyRef {
  /** This attempt saved the reply and published it; false when an earlier attempt had saved it. */
  announced: boolean;
}

export interface DeliverInput {
  messageId: string;
  /** The reply's `message` event already went out when it was saved. */
  announced?: boolean;
}

export interface FailReplyInput {
  messageId: string;
  replyId: string;
  /** The failure type (FailureTypes); what clients see is the public text for it. */
  type: string;
  /** The raw detail, for the logs only (the workflow's own failure carries it too). */
  reason: string;
}

export type MessageFlowResult =
  | { status: 'REPLIED'; replyId: string; route: Route }
  | { status: 'HANDED_OFF'; reason: string; replyId?: string; route: Route }
  | { status: 'DELIVERED'; messageId: string }
  | { status: 'SKIPPED'; reason: string };

/** Failure types, as explicit strings (class names do not survive minification). */
export const FailureTypes = {
  llmRejected: 'LlmRejected',
  llmNotConfigured: 'LlmNotConfigured',
  llmUnavailable: 'LlmUnavailable',
  channelNotConfigured: 'ChannelNotConfigured',
  /** The channel answered that it will not take the reply (a webhook's 4xx). */
  channelRejected: 'ChannelRejected',
  /** The channel did not accept the reply in any of its attempts (5xx, 429, timeouts, unreachable). */
  channelUnavailable: 'ChannelUnavailable',
  /** WhatsApp: the user's last message is over 24 h old; only templates may be sent. */
  outsideCustomerServiceWindow: 'OutsideCustomerServiceWindow',
  messageNotFound: 'MessageNotFound',
  replyFailed: 'ReplyFailed',
  flowCancelled: 'FlowCancelled',
  flowEnded: 'FlowEnded',
  /** Not a reason to give up: steps that meet it wait for the database to come back. */
  databaseUnavailable: 'DatabaseUnavailable',
  /** Anything unexpected that kept failing: a bug, with the detail in the logs and the workflow. */
  internal: 'InternalError',
} as const;

/** Failures no retry can fix. */
export const PERMANENT_FAILURES: string[] = [
  FailureTypes.llmRejected,
  FailureTypes.llmNotConfigured,
  FailureTypes.channelNotConfigured,
  FailureTypes.channelRejected,
  FailureTypes.outsideCustomerServiceWindow,
  FailureTypes.messageNotFound,
  FailureTypes.internal,
];
