import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { MessageFlowInput } from '../../workflows/contracts.js';
import { createOrm } from '../../src/db/orm.js';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle/index.js';
import type { Publisher } from '../../src/lifecycle/ports.js';
import type { TurnState } from '../../src/lifecycle/table.js';
import { createLogger } from '../../src/logger.js';
import type { ConversationStatus } from '../../src/model/conversation.entity.js';
import type { DeliveryStatus } from '../../src/model/message.entity.js';
import { createScratchDatabase, type ScratchDatabase } from './databases.js';

/**
 * The lifecycle on a database of its own, with the outside world recorded at its ports: every
 * event published, every turn woken, every flow started. What a test of the transitions observes.
 */
export interface LifecycleWorld {
  orm: MikroORM;
  lifecycle: Lifecycle;
  /** Events in the order they were published, as [event, payload]. */
  published: [string, unknown][];
  /** Messages whose flow was woken. */
  woken: string[];
  started: MessageFlowInput[];
  /** Forgets what was recorded (after a scene is set). */
  clear(): void;
  /** Every row of the message and conversation tables, to tell "changed nothing" exactly. */
  rows(): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function startLifecycleWorld(label: string): Promise<LifecycleWorld> {
  const db: ScratchDatabase = await createScratchDatabase(label);
  const orm = await createOrm({ url: db.url, dataDir: '.' });
  const published: [string, unknown][] = [];
  const woken: string[] = [];
  const started: MessageFlowInput[] = [];
  const record =
    (event: string) =>
    (payload: unknown): void =>
      void published.push([event, payload]);
  const publisher: Publisher = {
    message: record('message'),
    status: record('message:status'),
    typing: record('typing'),
    delta: record('message:delta'),
    conversationStatus: record('conversation:status'),
  };
  const lifecycle = createLifecycle({
    orm,
    publisher,
    logger: createLogger('silent'),
    wakeTurn: (messageId) => Promise.resolve(void woken.push(messageId)),
    startFlow: (input) => {
      started.push(input);
      return Promise.resolve({ started: true });
    },
    flowIsOpen: () => Promise.resolve(false),
  });
  return {
    orm,
    lifecycle,
    published,
    woken,
    started,
    clear() {
      published.length = 0;
      woken.length = 0;
      started.length = 0;
    },
    async rows() {
      const em = orm.em.fork();
      return [
        await em.execute('select * from conversation order by id'),
        await em.execute('select * from message order by id'),
      ];
    },
    async close() {
      await orm.close();
      await db.drop();
    },
  };
}

/** A reply's state in a scene: none yet, a status (with text), or FAILED before it had any text. */
export type ReplyState = 'NONE' | DeliveryStatus | 'FAILED_EMPTY';

export interface Scene {
  conversationId: string;
  chatbotId: string;
  /** The user message (seq 1) whose turn and reply the scene sets. */
  messageId: string;
  replyId?: string;
  /** A later user message (seq 3) whose turn is QUEUED: the one a finished turn wakes. */
  nextId: string;
}

const TURN_COLUMNS: Record<TurnState, [started: boolean, finished: boolean]> = {
  QUEUED: [false, false],
  STARTED: [true, false],
  FINISHED: [true, true],
};

/**
 * A conversation with a user message in a given turn state, its reply in a given state, and a
 * later user message waiting: set with plain SQL, as the transitions would have left it.
 */
export async function setScene(
  orm: MikroORM,
  state: { conversation?: ConversationStatus; turn?: TurnState; reply?: ReplyState; role?: 'USER' | 'AGENT' },
): Promise<Scene> {
  const em = orm.em.fork();
  const chatbotId = randomUUID();
  const conversationId = randomUUID();
  const messageId = randomUUID();
  const nextId = randomUUID();
  const reply = state.reply ?? 'NONE';
  const replyId = reply === 'NONE' ? undefined : randomUUID();
  const [started, finished] = TURN_COLUMNS[state.turn ?? 'STARTED'];
  await em.execute(
    `insert into chatbot (id, customer_id, name, created_at, updated_at) values (?, 'customer', 'Bot', now(), now())`,
    [chatbotId],
  );
  await em.execute(
    `insert into conversation (id, chatbot_id, external_user_id, channel, status, last_seq, created_at, updated_at)
     values (?, ?, 'user', 'WIDGET', ?, 3, now(), now())`,
    [conversationId, chatbotId, state.conversation ?? 'OPEN'],
  );
  const insert = `insert into message (id, conversation_id, seq, role, content, delivery_status, metadata, reply_to_id,
                    turn_started_at, turn_finished_at, created_at, updated_at)
                  values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, now() - interval '1 minute', now() - interval '1 minute')`;
  const role = state.role ?? 'USER';
  // An agent's message is its own reply: the scene's reply state is its status.
  const ownStatus = role === 'AGENT' && reply !== 'NONE' ? (reply === 'FAILED_EMPTY' ? 'FAILED' : reply) : 'SENT';
  const at = (on: boolean) => (on ? new Date(Date.now() - 30_000) : null);
  await em.execute(insert, [
    messageId,
    conversationId,
    1,
    role,
    'hello',
    ownStatus,
    '{}',
    null,
    at(started),
    at(finished),
  ]);
  if (replyId && role === 'USER') {
    const failed = reply === 'FAILED' || reply === 'FAILED_EMPTY';
    const metadata = failed ? { error: { type: 'LlmUnavailable', message: 'The language model did not answer.' } } : {};
    await em.execute(insert, [
      replyId,
      conversationId,
      2,
      'ASSISTANT',
      reply === 'FAILED_EMPTY' ? '' : 'an answer',
      failed ? 'FAILED' : reply,
      JSON.stringify(metadata),
      messageId,
      null,
      null,
    ]);
  }
  await em.execute(insert, [nextId, conversationId, 3, 'USER', 'and then?', 'SENT', '{}', null, null, null]);
  return { conversationId, chatbotId, messageId, replyId: role === 'AGENT' ? messageId : replyId, nextId };
}

/** A message's delivery status and turn now. */
export async function stateOf(
  orm: MikroORM,
  messageId: string,
): Promise<{ status: string; turn: TurnState } | undefined> {
  const [row] = await orm.em
    .fork()
    .execute<{ delivery_status: string; turn_started_at: Date | null; turn_finished_at: Date | null }[]>(
      'select delivery_status, turn_started_at, turn_finished_at from message where id = ?',
      [messageId],
    );
  if (!row) return undefined;
  const turn: TurnState = row.turn_finished_at ? 'FINISHED' : row.turn_started_at ? 'STARTED' : 'QUEUED';
  return { status: row.delivery_status, turn };
}
