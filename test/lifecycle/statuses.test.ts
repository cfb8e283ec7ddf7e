import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RECEIPTS, statusesFrom, TRANSITIONS } from '../../src/lifecycle/table.js';
import { setScene, startLifecycleWorld, stateOf, type LifecycleWorld } from '../support/lifecycle-world.js';

/**
 * A message's delivery status moves forward only — PENDING → SENT → DELIVERED → READ, FAILED
 * from PENDING or SENT — and back only by a retry's reopen (API.md section 6). Written out here by
 * hand, each transition is then tried from every status: the allowed ones happen and publish their
 * one event; every other one is refused and changes no row and publishes nothing.
 */
const FORWARD_ONLY = {
  deliver: { PENDING: 'SENT' },
  receiveSent: { PENDING: 'SENT' },
  receiveDelivered: { PENDING: 'DELIVERED', SENT: 'DELIVERED' },
  receiveRead: { PENDING: 'READ', SENT: 'READ', DELIVERED: 'READ' },
  receiveFailed: { PENDING: 'FAILED', SENT: 'FAILED' },
  reopen: { FAILED: 'PENDING' },
} as const;

const STATUSES = ['PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED'] as const;

let world: LifecycleWorld;
beforeAll(async () => {
  world = await startLifecycleWorld('statuses');
});
afterAll(async () => {
  await world?.close();
});

describe('the transition table', () => {
  it('says what the forward-only rule says, transition by transition', () => {
    const table = Object.fromEntries(
      Object.keys(FORWARD_ONLY).map((name) => {
        const to = TRANSITIONS[name as keyof typeof FORWARD_ONLY].status.to;
        return [name, Object.fromEntries(statusesFrom(name as keyof typeof FORWARD_ONLY).map((from) => [from, to]))];
      }),
    );
    expect(table).toEqual(FORWARD_ONLY);
    expect(RECEIPTS).toEqual({
      SENT: 'receiveSent',
      DELIVERED: 'receiveDelivered',
      READ: 'receiveRead',
      FAILED: 'receiveFailed',
    });
  });
});

/** Runs one status transition on a scene's reply. */
async function run(name: keyof typeof FORWARD_ONLY, replyId: string): Promise<unknown> {
  const { lifecycle } = world;
  if (name === 'deliver') return lifecycle.deliver({ id: replyId, conversationId: await conversationOf(replyId) });
  if (name === 'reopen') return lifecycle.reopen(replyId);
  const receipt = Object.entries(RECEIPTS).find(([, transition]) => transition === name)![0] as keyof typeof RECEIPTS;
  return lifecycle.receive(replyId, receipt);
}

async function conversationOf(messageId: string): Promise<string> {
  const [row] = await world.orm.em
    .fork()
    .execute<{ conversation_id: string }[]>('select conversation_id from message where id = ?', [messageId]);
  return row.conversation_id;
}

describe.each(Object.keys(FORWARD_ONLY) as (keyof typeof FORWARD_ONLY)[])('%s', (name) => {
  const allowed: Partial<Record<string, string>> = FORWARD_ONLY[name];
  it.each(STATUSES)('from %s', async (from) => {
    const scene = await setScene(world.orm, { turn: 'FINISHED', reply: from });
    const replyId = scene.replyId!;
    const before = await world.rows();
    world.clear();

    const outcome = await run(name, replyId);

    const to = allowed[from];
    if (to) {
      expect((await stateOf(world.orm, replyId))?.status).toBe(to);
      expect(world.published).toEqual([
        ['message:status', { messageId: replyId, conversationId: scene.conversationId, status: to }],
      ]);
      expect(outcome).toBeTruthy();
    } else {
      expect(await world.rows()).toEqual(before);
      expect(world.published).toEqual([]);
      expect(outcome).toBeFalsy();
    }
    expect(world.woken).toEqual([]);
  });
});

describe('deliver keeps the channel’s id for the message, whatever its status', () => {
  it.each(['PENDING', 'DELIVERED'] as const)('from %s', async (from) => {
    const scene = await setScene(world.orm, { turn: 'FINISHED', reply: from });
    const wamid = `wamid.${randomUUID()}`;
    await world.lifecycle.deliver({ id: scene.replyId!, conversationId: scene.conversationId }, wamid);
    const [row] = await world.orm.em
      .fork()
      .execute<{ external_id: string; metadata: { externalId?: string }; delivery_status: string }[]>(
        'select external_id, metadata, delivery_status from message where id = ?',
        [scene.replyId],
      );
    expect(row).toEqual({
      external_id: wamid,
      metadata: { externalId: wamid },
      delivery_status: from === 'PENDING' ? 'SENT' : from,
    });
  });
});

describe('reopen with a new text (a retried generation)', () => {
  it('fills the reply that failed without text: same row, PENDING, the old error kept as previousError', async () => {
    const scene = await setScene(world.orm, { turn: 'FINISHED', reply: 'FAILED_EMPTY' });
    world.clear();
    const reopened = await world.lifecycle.reopen(scene.replyId!, {
      content: 'a new answer',
      metadata: { model: 'm' },
    });
    expect(reopened?.id).toBe(scene.replyId);
    const error = { type: 'LlmUnavailable', message: 'The language model did not answer.' };
    expect(world.published).toEqual([
      ['message:status', { messageId: scene.replyId, conversationId: scene.conversationId, status: 'PENDING' }],
      [
        'message',
        expect.objectContaining({
          id: scene.replyId,
          seq: 2,
          content: 'a new answer',
          deliveryStatus: 'PENDING',
          metadata: { model: 'm', previousError: error },
          links: { flow: null },
        }),
      ],
    ]);
    // A second retry finds it PENDING: nothing to reopen, nothing published.
    world.clear();
    expect(await world.lifecycle.reopen(scene.replyId!, { content: 'another', metadata: {} })).toBeUndefined();
    expect(world.published).toEqual([]);
  });
});
