import type { ConversationStatus } from '../model/conversation.entity.js';
import type { DeliveryStatus } from '../model/message.entity.js';

/**
 * A user's or an agent's message takes a turn in its conversation: QUEUED when accepted (the
 * outbox: its flow has not taken it yet), STARTED once its flow took it, FINISHED once it is
 * answered, delivered or failed, which lets the next message of the conversation go.
 */
export type TurnState = 'QUEUED' | 'STARTED' | 'FINISHED';

/** `NONE`: the row does not exist yet (the transition creates it). */
type From<S> = readonly (S | 'NONE')[];

export interface Transition {
  /** The message whose delivery status changes: the new message, the reply, or the message itself. */
  readonly status?: { readonly from: From<DeliveryStatus>; readonly to: DeliveryStatus };
  /** The turn of the message being answered (or accepted, or delivered). */
  readonly turn?: { readonly from: From<TurnState>; readonly to: TurnState };
  readonly conversation?: { readonly from: readonly ConversationStatus[]; readonly to: ConversationStatus };
  /** Realtime events (src/lifecycle/ports.ts Publisher) and signals, in the order they go out. */
  readonly emits: readonly string[];
  /** What it is, in a line: the README's glossary says the same. */
  readonly means: string;
}

/**
 * The life of a message, written down once. Every change of a message's `delivery_status`, of
 * its turn (`turn_started_at`, `turn_finished_at`) and of a conversation's status is one of these
 * transitions, made by the function of the same name in src/lifecycle, whose SQL guard is the
 * `from` list below: from any other state it changes nothing (and emits nothing, but a wake).
 * A transition that changes two things (the reply and the turn) does both in one transaction.
 * Statuses move forward only (PENDING → SENT → DELIVERED → READ); `reopen` is the one way back.
 */
export const TRANSITIONS = {
  acceptUserMessage: {
    status: { from: ['NONE'], to: 'SENT' },
    turn: { from: ['NONE'], to: 'QUEUED' },
    emits: ['message', 'its flow starts'],
    means: 'an end user’s message is saved with the next seq; its flow starts after the response',
  },
  acceptAgentMessage: {
    status: { from: ['NONE'], to: 'PENDING' },
    turn: { from: ['NONE'], to: 'QUEUED' },
    emits: ['message', 'its flow starts'],
    means: 'an agent’s message is saved with the next seq, to be delivered in its turn',
  },
  startTurn: {
    turn: { from: ['QUEUED'], to: 'STARTED' },
    emits: ['message (only when the accepting process did not publish it)'],
    means: 'the flow takes its message off the outbox and reads whether it is its turn',
  },
  saveAnswer: {
    status: { from: ['NONE'], to: 'PENDING' },
    turn: { from: ['QUEUED', 'STARTED'], to: 'FINISHED' },
    emits: ['message', 'wake the next message'],
    means: 'the reply (generated, a rule’s, the fallback) is saved and the turn finished, in one transaction',
  },
  stream: {
    emits: ['typing true', 'message:delta …', 'typing false (endLostStream: for an attempt that died before it could)'],
    means: 'one attempt at generating streams its draft; nothing is stored',
  },
  deliver: {
    status: { from: ['PENDING'], to: 'SENT' },
    emits: ['message:status'],
    means: 'a channel accepted the reply (or the agent’s message); its id there is kept',
  },
  receiveDelivered: {
    status: { from: ['PENDING', 'SENT'], to: 'DELIVERED' },
    emits: ['message:status'],
    means: 'a client or a channel confirmed it reached the user',
  },
  receiveRead: {
    status: { from: ['PENDING', 'SENT', 'DELIVERED'], to: 'READ' },
    emits: ['message:status'],
    means: 'a client or a channel confirmed the user read it',
  },
  receiveSent: {
    status: { from: ['PENDING'], to: 'SENT' },
    emits: ['message:status'],
    means: 'a channel reported it accepted the message',
  },
  receiveFailed: {
    status: { from: ['PENDING', 'SENT'], to: 'FAILED' },
    emits: ['message:status'],
    means: 'a channel reported it could not deliver a message it had accepted',
  },
  fail: {
    status: { from: ['NONE', 'PENDING'], to: 'FAILED' },
    turn: { from: ['QUEUED', 'STARTED'], to: 'FINISHED' },
    emits: ['message (a new FAILED reply)', 'message:status', 'wake the next message'],
    means: 'the flow gave up: the reply (or the agent’s message) is FAILED with a reason, the turn finished',
  },
  reopen: {
    status: { from: ['FAILED'], to: 'PENDING' },
    emits: ['message:status', 'message (when a new text fills it)'],
    means: 'a retry: the FAILED reply is tried again in place (same id and seq), its error kept as previousError',
  },
  finishTurn: {
    turn: { from: ['QUEUED', 'STARTED'], to: 'FINISHED' },
    emits: ['wake the next message (also when it was FINISHED: a lost wake is sent again)'],
    means: 'the message needs nothing more (delivered, skipped, handed over): the next one may go',
  },
  handOver: {
    conversation: { from: ['OPEN'], to: 'HANDOFF' },
    emits: ['conversation:status'],
    means: 'a human takes the conversation (an agent, a rule, or the bot’s failure plan)',
  },
  resume: {
    conversation: { from: ['HANDOFF'], to: 'OPEN' },
    emits: ['conversation:status'],
    means: 'the bot answers again',
  },
  close: {
    conversation: { from: ['OPEN', 'HANDOFF'], to: 'CLOSED' },
    emits: ['conversation:status'],
    means: 'the conversation ends; a later message opens a new one',
  },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof TRANSITIONS;

/** The delivery statuses a transition may start from (its SQL guard). */
export function statusesFrom(name: TransitionName): DeliveryStatus[] {
  const status = (TRANSITIONS[name] as Transition).status;
  return (status?.from ?? []).filter((s): s is DeliveryStatus => s !== 'NONE');
}

/** The status changes a channel or a client may report, by the status they report. */
export const RECEIPTS = {
  SENT: 'receiveSent',
  DELIVERED: 'receiveDelivered',
  READ: 'receiveRead',
  FAILED: 'receiveFailed',
} as const satisfies Partial<Record<DeliveryStatus, TransitionName>>;
