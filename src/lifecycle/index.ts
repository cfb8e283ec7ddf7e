import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { createAbandonedCheck } from './abandoned.js';
import { createAnnouncer } from './accept.js';
import { createConversationStatus } from './conversation-status.js';
import { createFail } from './fail.js';
import { createFinishTurn, createWakeNext } from './finish-turn.js';
import type { FlowIsOpen, Publisher, StartFlow, WakeTurn } from './ports.js';
import { createRepublishAnswer, createSaveAnswer } from './save-answer.js';
import { createStartTurn } from './start-turn.js';
import { createStatusChanges } from './statuses.js';
import { endLostStream, openStream } from './stream.js';
import { findUnfinishedBefore } from './outbox.js';
import { readTurn } from './turns.js';

export interface LifecycleDeps {
  orm: MikroORM;
  publisher: Publisher;
  logger: Logger;
  wakeTurn: WakeTurn;
  startFlow: StartFlow;
  flowIsOpen: FlowIsOpen;
}

/**
 * A message's life, bound to what it needs: every transition of src/lifecycle/table.ts that runs
 * on its own (accept's statements run inside a sender's transaction: see accept.ts and
 * accept-fast.ts). Activities, the sweeper, the socket gateway and the routes call these; nothing
 * else changes a message's status or turn.
 */
export function createLifecycle(deps: LifecycleDeps) {
  const { orm, publisher } = deps;
  const wakeNext = createWakeNext(orm, deps.wakeTurn);
  const statuses = createStatusChanges(deps);
  const fail = createFail({ ...deps, wakeNext });
  const finishTurn = createFinishTurn(orm, wakeNext);
  return {
    /** Starts a message's flow (after an accept, from the outbox, for a retry); see ports.ts. */
    startFlow: deps.startFlow,
    announceAccepted: createAnnouncer(deps),
    startTurn: createStartTurn(deps),
    /** Whose turn it is, read again (a waiting message); changes nothing. */
    readTurn: (messageId: string) => readTurn(orm.em.fork(), messageId),
    /** The earlier messages of a conversation whose turn started and is not finished; changes nothing. */
    unfinishedBefore: (at: { conversationId: string; seq: number }) =>
      findUnfinishedBefore(orm.em.fork(), at.conversationId, at.seq),
    saveAnswer: createSaveAnswer({ ...deps, wakeNext, reopen: statuses.reopen }),
    republishAnswer: createRepublishAnswer({ ...deps, finishTurn }),
    stream: (draft: Parameters<typeof openStream>[1]) => openStream(publisher, draft),
    /** The end of a stream whose attempt died: `typing false` (see stream.ts). */
    endLostStream: (conversationId: string) => endLostStream(publisher, conversationId),
    deliver: statuses.deliver,
    receive: statuses.receive,
    reopen: statuses.reopen,
    fail,
    finishTurn,
    changeConversationStatus: createConversationStatus(deps),
    failAbandoned: createAbandonedCheck({ ...deps, fail }),
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
