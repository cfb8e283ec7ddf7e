import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  connectSocket,
  settledHistory,
  startScenario,
  waitFor,
  type Scenario,
  type TestSocket,
} from '../support/harness.js';

/**
 * What ops do in the Temporal Web UI, in a real browser (Debian's chromium, driven by
 * playwright-core) against the UI of the run's dev server: follow a conversation's `links.flows`,
 * read a failed flow's page, reset it. The UI keeps polling, so every wait is for `load` and a
 * selector, never for network idle.
 */
let scenario: Scenario;
let browser: Browser;
let page: Page;
let socket: TestSocket;

beforeAll(async () => {
  scenario = await startScenario('ops-ui');
  socket = await connectSocket(scenario.app.url, scenario.token);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  page.setDefaultTimeout(30_000);
});
afterAll(async () => {
  await browser?.close();
  socket?.close();
  await scenario?.stop();
});

async function send(externalUserId: string, content: string, conversationId?: string) {
  const res = await scenario.api('POST', '/messages/send', {
    body: { chatbotId: scenario.chatbotId, externalUserId, content, channel: 'WIDGET', conversationId },
  });
  expect(res.status).toBe(202);
  return res.body.data as { message: any; conversation: any };
}

/** The workflow ids the UI's list shows once it has rendered the expected ones. */
async function listedWorkflowIds(expected: string[]): Promise<string[]> {
  for (const id of expected) await page.getByText(id, { exact: true }).first().waitFor();
  return [...new Set((await page.locator('body').innerText()).match(/message-[0-9a-f-]{36}/g) ?? [])].sort();
}

describe('ops find, read and reset a flow in the Temporal Web UI', () => {
  it('lists exactly the conversation’s flows, shows a failed flow’s failure type, route and attempts, and a reset delivers the reply in its place', async () => {
    const { api, llm, app } = scenario;
    // Conversation A's first message fails for good: one 503 (retried), then a 400 (LlmRejected).
    llm.script({ kind: 'error', status: 503 }, { kind: 'error', status: 400, message: 'the model refused' });
    const first = await send('ops-a', 'please answer me');
    const conversation = first.conversation;
    const failing = first.message;
    const [, failed] = await settledHistory(api, conversation.id, 2);
    expect(failed).toMatchObject({
      role: 'ASSISTANT',
      seq: 2,
      content: '',
      deliveryStatus: 'FAILED',
      metadata: { error: { type: 'LlmRejected' } },
    });
    expect(failed.links).toEqual(failing.links); // a reply links to the flow of the message it answers
    const second = (await send('ops-a', 'and this one', conversation.id)).message;
    await settledHistory(api, conversation.id, 4);
    // Another conversation of the same chatbot: its flow must not be in A's list.
    const other = await send('ops-b', 'someone else');
    await settledHistory(api, other.conversation.id, 2);
    expect((await api('GET', `/conversations/${conversation.id}`)).body.data.links).toEqual(conversation.links);

    // Visibility is eventually consistent: open the list once the server's index has both flows.
    const query = `ConversationId="${conversation.id}"`;
    await waitFor(
      async () => {
        let count = 0;
        for await (const _ of app.deps.client.workflow.list({ query })) count++;
        return count === 2;
      },
      15_000,
      'both flows of the conversation in visibility',
    );

    await page.goto(conversation.links.flows, { waitUntil: 'load' });
    const wanted = [`message-${failing.id}`, `message-${second.id}`];
    expect(await listedWorkflowIds(wanted)).toEqual(wanted.sort());
    expect(await page.getByText(`message-${other.message.id}`).count()).toBe(0);

    // The failed flow's page: its failure (type and reason), the route decided, the LLM step's attempts.
    await page.goto(failing.links.flow, { waitUntil: 'load' });
    await page
      .getByText(/^failed$/i)
      .first()
      .waitFor();
    await page.getByText('"ReplyFailed"').first().waitFor();
    await page.getByText('Reply failed (LlmRejected): LLM rejected the request (400)').first().waitFor();
    await page.getByText('"responder": "LLM"').first().waitFor();
    await page.getByText('2 • generate • route: LLM (on failure: a FAILED reply)').first().waitFor();

    // The LLM answers again; ops reset the flow in the UI, to its first workflow task.
    const failedRunId = (await app.deps.client.workflow.getHandle(`message-${failing.id}`).describe()).runId;
    await socket.emitWithAck('subscribe', { conversationId: conversation.id });
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset Workflow' }); // the open one (the page keeps others hidden)
    await dialog.getByTestId('workflow-reset-event-id-select-button').click();
    await dialog
      .getByRole('option', { name: /WorkflowTaskCompleted/ })
      .first()
      .click();
    await dialog.getByTestId('reset-reason').fill('ops: the LLM is back');
    await dialog.getByTestId('confirm-modal-button').click();

    // The reply is generated again into the same message: same id and seq, FAILED -> PENDING -> SENT.
    const refilled = await socket.waitFor(
      (e) => e.event === 'message' && e.payload.id === failed.id && e.payload.content !== '',
    );
    expect(refilled.payload).toMatchObject({
      id: failed.id,
      seq: 2,
      role: 'ASSISTANT',
      content: 'Echo: please answer me',
      links: { flow: null },
    });
    await socket.waitFor(
      (e) => e.event === 'message:status' && e.payload.messageId === failed.id && e.payload.status === 'SENT',
    );
    const stored = (await api('GET', `/messages/${failed.id}`)).body.data;
    expect(stored).toMatchObject({
      id: failed.id,
      seq: 2,
      content: 'Echo: please answer me',
      deliveryStatus: 'SENT',
      links: failing.links,
    });
    expect((await settledHistory(api, conversation.id, 4)).map((m) => [m.seq, m.role, m.deliveryStatus])).toEqual([
      [1, 'USER', 'SENT'],
      [2, 'ASSISTANT', 'SENT'],
      [3, 'USER', 'SENT'],
      [4, 'ASSISTANT', 'SENT'],
    ]);

    // Exactly the changes of the reply since the reset, each once (a later event on the same room
    // marks the end: nothing of the reply can still be on its way).
    await socket.emitWithAck('message:read', { messageId: failing.id });
    await socket.waitFor((e) => e.event === 'message:status' && e.payload.messageId === failing.id);
    const ofReply = socket.events.filter(
      (e) =>
        (e.event === 'message' && e.payload.id === failed.id) ||
        (e.event === 'message:status' && e.payload.messageId === failed.id),
    );
    expect(
      ofReply.map((e) =>
        e.event === 'message' ? ['message', e.payload.content, e.payload.deliveryStatus] : ['status', e.payload.status],
      ),
    ).toEqual([
      ['status', 'PENDING'],
      ['message', 'Echo: please answer me', 'PENDING'],
      ['status', 'SENT'],
    ]);

    // The same link now opens the new run, completed.
    expect((await app.deps.client.workflow.getHandle(`message-${failing.id}`).describe()).runId).not.toBe(failedRunId);
    await page.goto(failing.links.flow, { waitUntil: 'load' });
    await page
      .getByText(/^completed$/i)
      .first()
      .waitFor();
  });
});
