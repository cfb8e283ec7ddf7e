import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { acceptAgentMessage, acceptUserMessage } from '../../src/lifecycle/accept.js';
import { TRANSITIONS } from '../../src/lifecycle/table.js';
import { toMessageDto } from '../../src/model/message.entity.js';
import { waitFor } from '../support/harness.js';
import {
  setScene,
  startLifecycleWorld,
  stateOf,
  type LifecycleWorld,
  type ReplyState,
} from '../support/lifecycle-world.js';

/**
 * The rest of a message's life, transition by transition, tried from every state it can meet:
 * what changes, what is published and who is woken, and that a transition from any other state
 * changes no row and publishes nothing.
 */
let world: LifecycleWorld;
beforeAll(async () => {
  world = await startLifecycleWorld('turns');
});
afterAll(async () => {
  await world?.close();
});

const REPLIES: ReplyState[] = ['NONE', 'PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED'];
const error = { type: 'FlowEnded', message: 'Answering this message was stopped before a reply was made.' };

describe('the transition table', () => {
  it('says what this file tests', () => {
    const moves = Object.fromEntries(
      Object.entries(TRANSITIONS).map(([name, t]) => [
        name,
        [
          'status' in t ? `${t.status.from.join('|')} -> ${t.status.to}` : '',
          'turn' in t ? `${t.turn.from.join('|')} -> ${t.turn.to}` : '',
          'conversation' in t ? `${t.conversation.from.join('|')} -> ${t.conversation.to}` : '',
        ].join(' ; '),
      ]),
    );
    expect(moves).toMatchObject({
      acceptUserMessage: 'NONE -> SENT ; NONE -> QUEUED ; ',
      acceptAgentMessage: 'NONE -> PENDING ; NONE -> QUEUED ; ',
      startTurn: ' ; QUEUED -> STARTED ; ',
      saveAnswer: 'NONE -> PENDING ; QUEUED|STARTED -> FINISHED ; ',
      stream: ' ;  ; ',
      fail: 'NONE|PENDING -> FAILED ; QUEUED|STARTED -> FINISHED ; ',
      finishTurn: ' ; QUEUED|STARTED -> FINISHED ; ',
      handOver: ' ;  ; OPEN -> HANDOFF',
      resume: ' ;  ; HANDOFF -> OPEN',
      close: ' ;  ; OPEN|HANDOFF -> CLOSED',
    });
  });
});

describe('accept', () => {
  it.each([
    ['acceptUserMessage', acceptUserMessage, 'USER', 'SENT'],
    ['acceptAgentMessage', acceptAgentMessage, 'AGENT', 'PENDING'],
  ] as const)(
    '%s: the next seq, its status, a QUEUED turn; then the message and its flow',
    async (_, accept, role, status) => {
      const scene = await setScene(world.orm, {});
      world.clear();
      const saved = await accept(world.orm.em.fork(), { conversationId: scene.conversationId, content: 'new' });
      expect({ seq: saved.seq, role: saved.role, status: saved.deliveryStatus }).toEqual({ seq: 4, role, status });
      expect((await stateOf(world.orm, saved.id))?.turn).toBe('QUEUED');
      const message = toMessageDto(saved);
      world.lifecycle.announceAccepted({ message, chatbotId: scene.chatbotId, channel: 'WIDGET' });
      expect(world.published).toEqual([['message', message]]);
      // The flow starts once the response is on its way.
      expect(world.started).toEqual([]);
      await waitFor(() => world.started.length > 0, 2000, 'the flow to start');
      expect(world.started).toEqual([
        {
          messageId: saved.id,
          conversationId: scene.conversationId,
          chatbotId: scene.chatbotId,
          channel: 'WIDGET',
          seq: 4,
          published: true,
        },
      ]);
    },
  );
});

describe('startTurn', () => {
  it.each(['QUEUED', 'STARTED', 'FINISHED'] as const)('from %s', async (turn) => {
    const scene = await setScene(world.orm, { turn });
    const before = await world.rows();
    world.clear();
    const facts = await world.lifecycle.startTurn(scene.messageId, { publish: false });
    expect(facts).toMatchObject({ myTurn: true, role: 'USER', conversationId: scene.conversationId, seq: 1 });
    if (turn === 'QUEUED') expect((await stateOf(world.orm, scene.messageId))?.turn).toBe('STARTED');
    else expect(await world.rows()).toEqual(before);
    expect([world.published, world.woken]).toEqual([[], []]);
  });

  it('publishes the message when asked (the outbox started its flow), and not the turn of a message before it', async () => {
    const scene = await setScene(world.orm, { turn: 'FINISHED' });
    world.clear();
    const facts = await world.lifecycle.startTurn(scene.nextId, { publish: true });
    expect(facts).toMatchObject({ myTurn: true, seq: 3 });
    expect(world.published).toEqual([
      ['message', expect.objectContaining({ id: scene.nextId, seq: 3, links: { flow: null } })],
    ]);
  });
});

describe('saveAnswer', () => {
  it.each(REPLIES)('with the reply %s', async (reply) => {
    const scene = await setScene(world.orm, { turn: 'STARTED', reply });
    const before = await world.rows();
    world.clear();
    const replyId = randomUUID();
    const saved = await world.lifecycle.saveAnswer(
      { id: scene.messageId, conversationId: scene.conversationId, seq: 1 },
      { replyId, content: 'the answer', metadata: { model: 'm' } },
    );
    if (reply === 'NONE') {
      expect(saved).toEqual({ replyId, published: true });
      expect((await stateOf(world.orm, replyId))?.status).toBe('PENDING');
      expect((await stateOf(world.orm, scene.messageId))?.turn).toBe('FINISHED');
      expect(world.published).toEqual([
        ['message', expect.objectContaining({ id: replyId, seq: 4, content: 'the answer', deliveryStatus: 'PENDING' })],
      ]);
      expect(world.woken).toEqual([scene.nextId]);
    } else {
      // One reply per message: the one saved before is the answer, untouched.
      expect(saved).toEqual({ replyId: scene.replyId, published: false });
      expect(await world.rows()).toEqual(before);
      expect([world.published, world.woken]).toEqual([[], []]);
    }
  });
});

describe('fail', () => {
  it.each(REPLIES)('with the reply %s', async (reply) => {
    const scene = await setScene(world.orm, { turn: 'STARTED', reply });
    world.clear();
    const replyId = randomUUID();
    const failed = await world.lifecycle.fail({
      messageId: scene.messageId,
      replyId,
      type: 'FlowEnded',
      reason: 'closed',
    });
    const id = reply === 'NONE' ? replyId : scene.replyId!;
    expect(failed).toEqual({ replyId: id });
    expect((await stateOf(world.orm, scene.messageId))?.turn).toBe('FINISHED');
    expect(world.woken).toEqual([scene.nextId]);
    const status = (s: string) => [
      'message:status',
      { messageId: id, conversationId: scene.conversationId, status: s },
    ];
    if (reply === 'NONE') {
      expect(world.published).toEqual([
        [
          'message',
          expect.objectContaining({ id, seq: 4, content: '', deliveryStatus: 'FAILED', metadata: { error } }),
        ],
        status('FAILED'),
      ]);
    } else if (reply === 'PENDING') {
      expect((await stateOf(world.orm, id))?.status).toBe('FAILED');
      expect(world.published).toEqual([status('FAILED')]);
    } else {
      expect((await stateOf(world.orm, id))?.status).toBe(reply);
      expect(world.published).toEqual([]);
    }
  });

  it.each(['PENDING', 'SENT'] as const)('an agent’s message %s: it is what failed to go out', async (own) => {
    const scene = await setScene(world.orm, { turn: 'STARTED', reply: own, role: 'AGENT' });
    world.clear();
    await world.lifecycle.fail({
      messageId: scene.messageId,
      replyId: randomUUID(),
      type: 'FlowEnded',
      reason: 'closed',
    });
    expect(await stateOf(world.orm, scene.messageId)).toEqual({
      status: own === 'PENDING' ? 'FAILED' : 'SENT',
      turn: 'FINISHED',
    });
    const failedEvent = [
      'message:status',
      { messageId: scene.messageId, conversationId: scene.conversationId, status: 'FAILED' },
    ];
    expect(world.published).toEqual(own === 'PENDING' ? [failedEvent] : []);
  });
});

describe('finishTurn', () => {
  it.each(['QUEUED', 'STARTED', 'FINISHED'] as const)('from %s: FINISHED, and the next message woken', async (turn) => {
    const scene = await setScene(world.orm, { turn });
    const before = await world.rows();
    world.clear();
    await world.lifecycle.finishTurn(scene.messageId);
    if (turn === 'FINISHED') expect(await world.rows()).toEqual(before);
    else expect((await stateOf(world.orm, scene.messageId))?.turn).toBe('FINISHED');
    // A repeat wakes again: it re-sends a wake that may have been lost.
    expect([world.published, world.woken]).toEqual([[], [scene.nextId]]);
  });
});

describe.each(['handOver', 'resume', 'close'] as const)('%s', (name) => {
  it.each(['OPEN', 'HANDOFF', 'CLOSED'] as const)('from %s', async (from) => {
    const scene = await setScene(world.orm, { conversation: from });
    const before = await world.rows();
    world.clear();
    const { from: allowed, to } = TRANSITIONS[name].conversation;
    const change = await world.lifecycle.changeConversationStatus(
      world.orm.em.fork(),
      name,
      scene.conversationId,
      'why',
    );
    if ((allowed as readonly string[]).includes(from)) {
      expect(change).toEqual({ changed: true, chatbotId: scene.chatbotId, status: to });
      expect(world.published).toEqual([
        [
          'conversation:status',
          { conversationId: scene.conversationId, chatbotId: scene.chatbotId, status: to, reason: 'why' },
        ],
      ]);
    } else {
      expect(change).toEqual({ changed: false, chatbotId: scene.chatbotId, status: from });
      expect(await world.rows()).toEqual(before);
      expect(world.published).toEqual([]);
    }
  });
});

describe('stream', () => {
  it('typing, the first piece at once, the rest batched, typing off; nothing stored', async () => {
    const scene = await setScene(world.orm, {});
    const before = await world.rows();
    world.clear();
    const draft = { messageId: randomUUID(), conversationId: scene.conversationId, attempt: 1 };
    const stream = world.lifecycle.stream(draft);
    stream.push('Hel');
    stream.push('lo');
    stream.push(' there');
    stream.end();
    const { conversationId } = scene;
    expect(world.published).toEqual([
      ['typing', { conversationId, isTyping: true }],
      ['message:delta', { ...draft, index: 0, delta: 'Hel' }],
      ['message:delta', { ...draft, index: 1, delta: 'lo there' }],
      ['typing', { conversationId, isTyping: false }],
    ]);
    expect(await world.rows()).toEqual(before);
  });
});
