import type { MessageFlowInput } from '../../workflows/contracts.js';
import type {
  ConversationStatusEvent,
  DeltaEvent,
  MessageStatusEvent as StatusEvent,
  TypingEvent,
} from '../contracts/socket-events.js';
import type { MessageDto } from '../model/message.entity.js';

/**
 * What a message's life needs from outside, as small interfaces: publishing realtime events
 * (src/realtime implements it with Socket.IO) and starting, waking and inspecting flows
 * (src/temporal implements them with the Temporal client).
 */

/** The events' payloads are the Socket.IO protocol's (src/contracts/socket-events.ts). */
export type {
  ConversationStatusEvent,
  DeltaEvent,
  MessageStatusEvent as StatusEvent,
  TypingEvent,
} from '../contracts/socket-events.js';

/**
 * What the transitions of a message's life publish: realtime events to the conversation's room
 * (a conversation status also to its chatbot's room). src/realtime implements it with Socket.IO;
 * publishing never fails a transition (at least once: a retried step may publish again).
 */
export interface Publisher {
  message(message: MessageDto): void;
  status(event: StatusEvent): void;
  typing(event: TypingEvent): void;
  delta(event: DeltaEvent): void;
  conversationStatus(event: ConversationStatusEvent): void;
}

/** Wakes the flow of a message that waits for its turn (a Temporal signal). Best effort: never throws. */
export type WakeTurn = (messageId: string) => Promise<void>;

/**
 * Starts a message's flow. Starting it twice is harmless: `started: false` when its run exists
 * already. `retry`: a new run of a closed flow (refused while a run is open).
 */
export type StartFlow = (input: MessageFlowInput, options?: { retry?: boolean }) => Promise<{ started: boolean }>;

/** Whether a message's flow is still running (false: it closed, or never existed). */
export type FlowIsOpen = (messageId: string) => Promise<boolean>;
