import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { startCutProxy, type CutProxy } from '../support/cut-proxy.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { settledHistory, startScenario, startTestApp, waitFor, type Scenario } from '../support/harness.js';
import { launchChromium, newVisitor, startHostPage, widgetOn, type HostPage } from '../support/host-page.js';

/**
 * The widget on a bad network, in a real browser: the page reaches the API through a TCP proxy the
 * test controls (Chromium's offline emulation leaves an open WebSocket alone; cutting the proxy
 * closes everything), so the network can be cut, restored, or lose one answer on its way back.
 * The tests run in order on one visitor's page and one conversation.
 */
let db: ScratchDatabase;
let scenario: Scenario;
let host: HostPage;
let proxy: CutProxy;
let browser: Browser;
let page: Page;
let widget: ReturnType<typeof widgetOn>;
/** The sends that failed as the page saw them (fetch rejected): each one the widget must retry itself. */
const failedSends: string[] = [];

beforeAll(async () => {
  db = await createScratchDatabase('widget_network');
  host = await startHostPage();
  // The page's origin is allowed, not the proxy's: the API sees the page's Origin through it.
  scenario = await startScenario(
    'widget-network',
    { DATABASE_URL: db.url },
    { widget: { allowedOrigins: [host.origin], anonymous: true } },
  );
  proxy = await startCutProxy(scenario.app.url);
  browser = await launchChromium();
  page = await newVisitor(browser);
  widget = widgetOn(page);
  page.on('requestfailed', (request) => {
    if (request.method() === 'POST' && request.url() === `${proxy.url}/messages/send`) {
      failedSends.push(request.headers()['idempotency-key']);
    }
  });
  // Mounted from the page's code: the script from the app, the API (REST and Socket.IO) through the proxy.
  const mount = { src: `${scenario.app.url}/widget.js`, baseUrl: proxy.url, chatbotId: scenario.chatbotId };
  await page.goto(host.add('/shop', { mount }));
  await widget.launcher.click();
  await widget.send('hello');
  await widget.message('Echo: hello').waitFor();
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await scenario?.stop();
  await host?.close();
  await db?.drop();
});

/** The page's one conversation, and its history as the API has it (settled at `total` messages). */
async function history(total: number): Promise<string[]> {
  const conversations = (await scenario.api('GET', '/conversations?limit=100')).body.data as any[];
  expect(conversations.length).toBe(1);
  return (await settledHistory(scenario.api, conversations[0].id, total)).map((m) => m.content);
}

/** The widget has nothing left to send: the send's answer came (its outbox lives in sessionStorage). */
const outboxEmptied = () =>
  page.waitForFunction((key) => sessionStorage.getItem(key) === null, `chatflow:${scenario.chatbotId}:outbox`);

/** The sends of one typed message that the proxy saw: every attempt, by its Idempotency-Key. */
const sendsOf = (key: string) => proxy.requests.filter((r) => r.method === 'POST' && r.idempotencyKey === key);
const sendKeys = () => [
  ...new Set(
    proxy.requests.filter((r) => r.method === 'POST' && r.path === '/messages/send').map((r) => r.idempotencyKey),
  ),
];

describe('a send on a failing network', () => {
  it('cut while sending: the offline banner shows, and once the network is back the message is saved once and answered once', async () => {
    const before = await db.tableCounts();
    const keysBefore = sendKeys();
    proxy.cut();
    await widget.offline.waitFor();
    await widget.send('sent while offline');
    await widget.log.locator('.row.local').getByText('sending…').waitFor();
    // It was tried while cut (and refused), so the one that lands is a retry.
    await waitFor(
      () => proxy.requests.some((r) => r.refused && r.method === 'POST' && r.path === '/messages/send'),
      20_000,
      'a send tried while cut',
    );
    expect(await widget.offline.isVisible()).toBe(true);

    proxy.restore();
    await widget.message('Echo: sent while offline').waitFor();
    await widget.offline.waitFor({ state: 'hidden' });
    await outboxEmptied();
    const expected = ['hello', 'Echo: hello', 'sent while offline', 'Echo: sent while offline'];
    expect(await widget.bubbles()).toEqual(expected);
    expect(await history(4)).toEqual(expected);
    const [key] = sendKeys().filter((k) => !keysBefore.includes(k));
    expect(sendKeys()).toEqual([...keysBefore, key]);
    const attempts = sendsOf(key!);
    expect(attempts.filter((r) => r.refused).length).toBeGreaterThanOrEqual(1);
    expect(attempts.filter((r) => !r.refused).length).toBe(1);
    expect(failedSends.filter((k) => k === key).length).toBeGreaterThanOrEqual(1);
    expect(await rowsAddedSince(before)).toEqual({ message: 2, idempotency_key: 1 });
  });

  it('the answer lost after the server saved the message: the retry with the same key saves nothing twice', async () => {
    const before = await db.tableCounts();
    const keysBefore = sendKeys();
    proxy.dropNextSendResponse();
    await widget.send('the answer to this is lost');
    await widget.message('Echo: the answer to this is lost').first().waitFor();
    await outboxEmptied();
    const expected = [
      'hello',
      'Echo: hello',
      'sent while offline',
      'Echo: sent while offline',
      'the answer to this is lost',
      'Echo: the answer to this is lost',
    ];
    expect(await widget.bubbles()).toEqual(expected);
    expect(await rowsAddedSince(before)).toEqual({ message: 2, idempotency_key: 1 });
    expect(await history(6)).toEqual(expected);

    const [key] = sendKeys().filter((k) => !keysBefore.includes(k));
    expect(sendKeys()).toEqual([...keysBefore, key]);
    // Both reached the app: the first one's answer was thrown away (the page saw it fail), the retry's came back.
    expect(sendsOf(key!).map((r) => [r.refused, r.responseDropped])).toEqual([
      [false, true],
      [false, false],
    ]);
    expect(failedSends.filter((k) => k === key).length).toBe(1);
  });
});

describe('catching up after the network comes back', () => {
  /** Three turns of the page's end user, sent by the customer's backend while the page is cut off. */
  async function threeTurnsFromElsewhere(label: string) {
    const conversation = ((await scenario.api('GET', '/conversations')).body.data as any[])[0];
    const shown = await widget.bubbles();
    proxy.cut();
    await widget.offline.waitFor();
    const turns = [`first ${label}`, `second ${label}`, `third ${label}`];
    for (const [i, content] of turns.entries()) {
      const res = await scenario.api('POST', '/messages/send', {
        body: {
          chatbotId: scenario.chatbotId,
          externalUserId: conversation.externalUserId,
          conversationId: conversation.id,
          channel: 'WIDGET',
          content,
        },
      });
      expect(res.status).toBe(202);
      await settledHistory(scenario.api, conversation.id, shown.length + 2 * (i + 1));
    }
    // Nothing reached the page while cut.
    expect(await widget.bubbles()).toEqual(shown);
    return { conversation, expected: [...shown, ...turns.flatMap((t) => [t, `Echo: ${t}`])] };
  }

  it('from the same API process: the three turns sent elsewhere while the page was cut off appear once each, in order', async () => {
    const { expected } = await threeTurnsFromElsewhere('from elsewhere');
    proxy.restore();
    await widget.message('Echo: third from elsewhere').waitFor();
    await widget.offline.waitFor({ state: 'hidden' });
    expect(await widget.bubbles()).toEqual(expected);
    expect(await history(expected.length)).toEqual(expected);
  });

  it('through another API process, which has nothing of the old connection to replay: caught up with ?after=, once each, in order', async () => {
    const sibling = await startTestApp({ OPENAI_BASE_URL: scenario.llm.url, DATABASE_URL: db.url });
    try {
      const { conversation, expected } = await threeTurnsFromElsewhere('while away');
      const seenBefore = proxy.requests.length;
      proxy.retarget(sibling.url);
      proxy.restore();
      await widget.message('Echo: third while away').waitFor();
      await widget.offline.waitFor({ state: 'hidden' });
      expect(await widget.bubbles()).toEqual(expected);
      expect(await history(expected.length)).toEqual(expected);
      const catchUp = `/messages/conversation/${conversation.id}?after=${expected.length - 6}&limit=100`;
      expect(proxy.requests.slice(seenBefore).some((r) => r.method === 'GET' && r.path === catchUp)).toBe(true);
    } finally {
      proxy.retarget(scenario.app.url);
      await sibling.stop();
    }
  });
});

/** Rows each table gained (only the tables that changed). */
async function rowsAddedSince(before: Record<string, number>): Promise<Record<string, number>> {
  const after = await db.tableCounts();
  return Object.fromEntries(
    Object.entries(after)
      .map(([table, n]) => [table, n - (before[table] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );
}
