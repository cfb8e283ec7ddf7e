/**
 * The message flow's contract, shared by the workflow, its activities and the client: names, IDs,
 * the steps and their I/O, the failure types. It imports nothing: every layer may import it.
 */

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
  /** The accepting process published the message already; false when the outbox started the flow. */
  published?: boolean;
  /** @deprecated `published` as processes before the restructure named it (their flows may still run). */
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
  /** The generation this replaces died mid-stream: end its `typing` first (see FailReplyInput). */
  endTyping?: boolean;
}

export interface HandOffInput {
  messageId: string;
  /** Said to the room with the status change, and recorded as the flow's result. */
  reason: string;
  /** The generation this replaces died mid-stream: end its `typing` first (see FailReplyInput). */
  endTyping?: boolean;
}

/**
 * The step that finishes a turn was called `finish` before the restructure: a flow whose history
 * recorded it under that name (it met a database outage there, and waits to try again) replays
 * it so; new flows call `finishTurn` (Temporal's `patched`).
 */
export const FINISH_TURN_PATCH = 'finish-turn-step-name';

/** Signal to a waiting message flow: the message before it finished its turn, check yours again (the wake). */
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
  /** This attempt saved (or refilled) the reply and published it; false when an earlier attempt had saved it. */
  published: boolean;
  /** @deprecated `published` as it is recorded in the histories of flows started before the restructure. */
  announced?: boolean;
}

export interface DeliverInput {
  messageId: string;
  /** The reply's `message` event went out when it was saved: deliver need not publish it again. */
  published?: boolean;
  /** @deprecated `published` as older flows pass it. */
  announced?: boolean;
}

export interface FailReplyInput {
  messageId: string;
  replyId: string;
  /** The failure type (FailureTypes); what clients see is the public text for it. */
  type: string;
  /** The raw detail, for the logs only (the workflow's own failure carries it too). */
  reason: string;
  /**
   * The last generation attempt died mid-stream (its step timed out): its `typing false` never went
   * out, so the failure sends it. Otherwise every stream ended its own typing.
   */
  endTyping?: boolean;
}

/**
 * The flow's steps (activities). The short database steps run as local activities; `generate`
 * (the LLM) as a regular activity. activities/index.ts implements exactly this.
 */
export interface FlowSteps {
  /** startTurn, publishing the message unless the accepting process did; once it is its turn, who answers. */
  route(input: MessageFlowInput): Promise<Route>;
  /** Whose turn again (a waiting message); fails the earlier messages whose flow closed without finishing. */
  checkTurn(input: { messageId: string }): Promise<Route>;
  /** The message needs nothing more (skipped, handed over by a rule without text): the next one may go. */
  finishTurn(input: { messageId: string }): Promise<void>;
  /** @deprecated finishTurn under the name older flows recorded in their histories (see FINISH_TURN_PATCH). */
  finish(input: { messageId: string }): Promise<void>;
  /** saveAnswer with a fixed text (a rule's, the fallback). */
  replyWith(input: ReplyWithInput): Promise<GenerateResult>;
  /** handOver because the bot could not answer, then finishTurn. */
  handOff(input: HandOffInput): Promise<void>;
  /** stream the LLM's answer, then saveAnswer. */
  generate(input: GenerateInput): Promise<GenerateResult>;
  /** deliver the saved reply through its conversation's channel (reopen first if it FAILED). */
  deliver(input: DeliverInput): Promise<ReplyRef>;
  /** deliver an agent's message in its turn, then finishTurn. */
  deliverOwn(input: { messageId: string }): Promise<void>;
  /** fail: the reply FAILED with its reason, the turn finished. */
  failReply(input: FailReplyInput): Promise<ReplyRef>;
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
