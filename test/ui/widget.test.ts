import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import type { Browser, Locator, Page } from 'playwright-core';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import {
  apiClient,
  createChatbot,
  settledHistory,
  startScenario,
  startTestApp,
  tokenFor,
  waitFor,
  type Api,
  type Scenario,
  type TestApp,
} from '../support/harness.js';
import { launchChromium, newVisitor, startHostPage, widgetOn, type HostPage } from '../support/host-page.js';

/**
 * The widget in a real browser (Debian's chromium through playwright-core), embedded on a page of
 * another origin exactly as a customer would: what its user sees in the shadow DOM, and what the
 * database holds afterwards. The network faults are in widget-network.test.ts.
 */
/** The README's picture of the demo. */
const SCREENSHOT = fileURLToPath(new URL('../../docs/images/widget-demo.png', import.meta.url));
const IDENTITY_SECRET = 'the-shop-identity-secret-0123456789';
const userHash = (userId: string, secret = IDENTITY_SECRET) =>
  createHmac('sha256', secret).update(userId).digest('hex');

let db: ScratchDatabase;
let scenario: Scenario;
let host: HostPage;
let browser: Browser;

beforeAll(async () => {
  db = await createScratchDatabase('widget_ui');
  host = await startHostPage();
  scenario = await startScenario(
    'widget-ui',
    { DATABASE_URL: db.url },
    { widget: { allowedOrigins: [host.origin], anonymous: true, identitySecret: IDENTITY_SECRET } },
  );
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await scenario?.stop();
  await host?.close();
  await db?.drop();
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

/** The page embedding the widget with the real tag, the script served by the app. */
const shopPage = (path: string, attributes: { userId?: string; userHash?: string } = {}, app = scenario.app.url) =>
  host.add(path, { tag: { src: `${app}/widget.js`, chatbotId: scenario.chatbotId, ...attributes } });

/** The sessions the page was given (POST /widget-sessions answers), in order. */
function recordSessions(page: Page) {
  const sessions: { status: number; body: any }[] = [];
  page.on('response', (res) => {
    if (!res.url().endsWith('/widget-sessions') || res.request().method() !== 'POST') return;
    void res.json().then(
      (body: unknown) => sessions.push({ status: res.status(), body }),
      () => sessions.push({ status: res.status(), body: undefined }),
    );
  });
  return sessions;
}

const endUserOf = (widgetToken: string) => (jwt.decode(widgetToken) as { externalUserId: string }).externalUserId;
const conversationsOf = async (api: Api) => (await api('GET', '/conversations?limit=100')).body.data as any[];
const isFocused = (locator: Locator) =>
  locator.evaluate((el) => (el.getRootNode() as { activeElement: unknown }).activeElement === el);

describe('the widget embedded on a customer’s site', () => {
  it('opens, sends with Enter, streams the reply in, and after a reload shows the same history to the same end user in the same conversation', async () => {
    const { api, llm } = scenario;
    const before = await db.tableCounts();
    const page = await newVisitor(browser);
    const sessions = recordSessions(page);
    const widget = widgetOn(page);
    await page.goto(shopPage('/shop'));

    await widget.launcher.click();
    await widget.panel.waitFor();
    const reply = 'Your order left our warehouse this morning and arrives tomorrow.';
    llm.script({ kind: 'reply', text: reply, chunkDelayMs: 250 });
    await widget.send('Where is my order?');

    // The reply streams in: a part of it is on screen (marked busy) before the whole.
    const draft = widget.log.locator('.row.draft[aria-busy] .bubble').filter({ hasText: /\S/ });
    const partial = (await draft.first().textContent())!;
    expect(partial.length).toBeLessThan(reply.length);
    expect(reply.startsWith(partial)).toBe(true);
    await widget.message(reply).waitFor();
    expect(await widget.bubbles()).toEqual(['Where is my order?', reply]);
    // The page's own `.bubble { color: red }` does not reach into the widget.
    expect(
      await widget.message(reply).evaluate((el) => (globalThis as any).getComputedStyle(el).color as string),
    ).not.toBe('rgb(255, 0, 0)');

    const [conversation] = await conversationsOf(api);
    expect((await conversationsOf(api)).length).toBe(1);
    expect(sessions.map((s) => s.status)).toEqual([201]);
    const endUser = endUserOf(sessions[0].body.data.token);
    expect(conversation).toMatchObject({ externalUserId: endUser, channel: 'WIDGET' });
    expect(endUser).toMatch(/^visitor:[0-9a-f-]{36}$/);
    const visitorKey = `chatflow:${scenario.chatbotId}:visitor`;
    const stored = await page.evaluate((key) => localStorage.getItem(key), visitorKey);
    expect(stored).toBe(sessions[0].body.data.visitorToken);

    // A reload: the returning visitor gets its history back, as the same end user.
    await page.reload();
    await widget.launcher.click();
    await widget.message(reply).waitFor();
    expect(await widget.bubbles()).toEqual(['Where is my order?', reply]);
    expect(sessions.map((s) => s.status)).toEqual([201, 201]);
    expect(endUserOf(sessions[1].body.data.token)).toBe(endUser);

    // And it goes on in the same conversation.
    await widget.send('Thanks!');
    await widget.message('Echo: Thanks!').waitFor();
    expect(await widget.bubbles()).toEqual(['Where is my order?', reply, 'Thanks!', 'Echo: Thanks!']);
    expect((await conversationsOf(api)).map((c) => c.id)).toEqual([conversation.id]);
    const history = await settledHistory(api, conversation.id, 4);
    expect(history.map((m) => [m.role, m.content])).toEqual([
      ['USER', 'Where is my order?'],
      ['ASSISTANT', reply],
      ['USER', 'Thanks!'],
      ['ASSISTANT', 'Echo: Thanks!'],
    ]);
    expect(await rowsAddedSince(before)).toEqual({ conversation: 1, message: 4, idempotency_key: 2 });
    await page.context().close();
  });

  it('on a site not in allowedOrigins: the preflight grants nothing, the widget says it cannot connect, and no row is created', async () => {
    const before = await db.tableCounts();
    // http://localhost:<port> is the same server as the allowed http://127.0.0.1:<port>, but another origin.
    const stranger = host.otherOrigin;
    const preflight = (origin: string) =>
      fetch(`${scenario.app.url}/widget-sessions`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type',
        },
      });
    expect((await preflight(host.origin)).headers.get('access-control-allow-origin')).toBe(host.origin);
    expect((await preflight(stranger)).headers.get('access-control-allow-origin')).toBeNull();

    const page = await newVisitor(browser);
    const widget = widgetOn(page);
    await page.goto(shopPage('/elsewhere').replace(host.origin, stranger));
    await widget.launcher.click();
    await widget.error.getByText('This chat cannot connect here', { exact: true }).waitFor();
    expect(await widget.offline.isVisible()).toBe(false);
    // What is typed stays on screen, unsent.
    await widget.send('Is anyone there?');
    await widget.log.locator('.row.local').getByText('sending…').waitFor();
    expect(await widget.bubbles()).toEqual(['Is anyone there?']);
    expect(await rowsAddedSince(before)).toEqual({});
    await page.context().close();
  });

  it('on a site another chatbot allows, but not this one: the preflight passes, the session is refused, the widget says it cannot connect, no row is created', async () => {
    const stranger = host.otherOrigin;
    const other = await createChatbot(scenario.api, { name: 'blog bot', widget: { allowedOrigins: [stranger] } });
    const before = await db.tableCounts();
    const page = await newVisitor(browser);
    const widget = widgetOn(page);
    await page.goto(shopPage('/allowed-for-another-bot').replace(host.origin, stranger));
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.method()} ${new URL(request.url()).pathname}`));
    await widget.launcher.click();
    await widget.error.getByText('This chat cannot connect here', { exact: true }).waitFor();
    // The server said 403 without granting the page a read (what a page gets, asked from here).
    expect(failed[0]).toBe('POST /widget-sessions');
    const refusal = await apiClient(scenario.app.url)('POST', '/widget-sessions', {
      body: { chatbotId: scenario.chatbotId },
      headers: { Origin: stranger },
    });
    expect([refusal.status, refusal.headers.get('access-control-allow-origin'), refusal.body.detail]).toEqual([
      403,
      null,
      `Pages on ${stranger} may not use this chatbot: its widget.allowedOrigins does not name that origin`,
    ]);
    await widget.send('Is anyone there?');
    await widget.log.locator('.row.local').getByText('sending…').waitFor();
    expect(await widget.bubbles()).toEqual(['Is anyone there?']);
    expect(await rowsAddedSince(before)).toEqual({});
    await page.context().close();
    expect((await scenario.api('DELETE', `/chatbots/${other.id}`)).status).toBe(204);
  });

  it('works with the keyboard alone: Tab to the launcher, Enter opens into the textbox, Enter sends, Shift+Enter breaks the line, Escape closes back to the launcher', async () => {
    const page = await newVisitor(browser);
    const widget = widgetOn(page);
    await page.goto(shopPage('/keyboard'));
    await page.keyboard.press('Tab');
    expect(await isFocused(widget.launcher)).toBe(true);
    await page.keyboard.press('Enter');
    await widget.panel.waitFor();
    expect(await isFocused(widget.textbox)).toBe(true);

    await page.keyboard.type('First line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    expect(await widget.textbox.inputValue()).toBe('First line\nsecond line');
    await page.keyboard.press('Enter');
    await widget.message('Echo: First line\nsecond line').waitFor();
    expect(await widget.bubbles()).toEqual(['First line\nsecond line', 'Echo: First line\nsecond line']);
    expect(await widget.textbox.inputValue()).toBe('');
    expect(await isFocused(widget.textbox)).toBe(true);
    await page.keyboard.press('Tab');
    expect(await isFocused(widget.sendButton)).toBe(true);

    await page.keyboard.press('Escape');
    await widget.panel.waitFor({ state: 'hidden' });
    expect(await isFocused(widget.launcher)).toBe(true);
    await page.keyboard.press('Enter');
    await widget.panel.waitFor();
    expect(await widget.bubbles()).toEqual(['First line\nsecond line', 'Echo: First line\nsecond line']);
    await page.context().close();
  });
});

describe('who the end user is', () => {
  it('a signed-in user with the right userHash is the end user userId; a wrong userHash is a 401 the widget shows', async () => {
    const before = await db.tableCounts();
    const wrong = await newVisitor(browser);
    const wrongSessions = recordSessions(wrong);
    const refused = widgetOn(wrong);
    await wrong.goto(
      shopPage('/wrong-hash', { userId: 'alice@shop', userHash: userHash('alice@shop', 'not-the-secret') }),
    );
    await refused.launcher.click();
    await refused.error
      .getByText(
        'This chat cannot start: userHash is not the HMAC-SHA256 of userId with this chatbot’s identity secret',
      )
      .waitFor();
    expect(wrongSessions.map((s) => s.status)).toEqual([401]);
    expect(await rowsAddedSince(before)).toEqual({});
    await wrong.context().close();

    const right = await newVisitor(browser);
    const rightSessions = recordSessions(right);
    const widget = widgetOn(right);
    await right.goto(shopPage('/signed-in', { userId: 'alice@shop', userHash: userHash('alice@shop') }));
    await widget.launcher.click();
    await widget.send('Hi, it is Alice');
    await widget.message('Echo: Hi, it is Alice').waitFor();
    expect(await widget.error.isVisible()).toBe(false);
    expect(rightSessions.map((s) => [s.status, Object.keys(s.body.data).sort()])).toEqual([
      [201, ['expiresAt', 'token']],
    ]);
    const alices = (await conversationsOf(scenario.api)).filter((c) => c.externalUserId === 'alice@shop');
    expect(alices.length).toBe(1);
    const history = await settledHistory(scenario.api, alices[0].id, 2);
    expect(history.map((m) => m.content)).toEqual(['Hi, it is Alice', 'Echo: Hi, it is Alice']);
    expect(await right.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(await rowsAddedSince(before)).toEqual({ conversation: 1, message: 2, idempotency_key: 1 });
    await right.context().close();
  });

  it('a forged visitorToken in localStorage is refused (401): the widget starts a new visitor, who never sees the victim’s conversation', async () => {
    const anonymous = apiClient(scenario.app.url);
    const startSession = async () =>
      (
        await anonymous('POST', '/widget-sessions', {
          body: { chatbotId: scenario.chatbotId },
          headers: { Origin: host.origin },
        })
      ).body.data;
    // The victim: a visitor with a conversation.
    const victim = await startSession();
    const victimId = endUserOf(victim.token);
    const victimApi = apiClient(scenario.app.url, victim.token);
    const sent = await victimApi('POST', '/messages/send', { body: { content: 'my secret order' } });
    await settledHistory(victimApi, sent.body.data.conversation.id, 2);
    // The forger alters its own visitor token to name the victim, keeping its signature.
    const [header, payload, signature] = (await startSession()).visitorToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = [
      header,
      Buffer.from(JSON.stringify({ ...claims, sub: victimId.slice('visitor:'.length) })).toString('base64url'),
      signature,
    ].join('.');
    const before = await db.tableCounts();

    const page = await newVisitor(browser);
    const visitorKey = `chatflow:${scenario.chatbotId}:visitor`;
    await page.addInitScript(([key, token]) => localStorage.setItem(key, token), [visitorKey, forged] as const);
    const sessions = recordSessions(page);
    const widget = widgetOn(page);
    await page.goto(shopPage('/forged'));
    await widget.launcher.click();
    await widget.send('Show me my orders');
    await widget.message('Echo: Show me my orders').waitFor();
    expect(await widget.bubbles()).toEqual(['Show me my orders', 'Echo: Show me my orders']);
    expect(sessions.map((s) => [s.status, s.body.detail ?? Object.keys(s.body.data).sort()])).toEqual([
      [401, 'The visitor token is not valid: start a new visitor without it'],
      [201, ['expiresAt', 'token', 'visitorToken']],
    ]);
    const newcomer = endUserOf(sessions[1].body.data.token);
    expect(newcomer).not.toBe(victimId);
    expect(await page.evaluate((key) => localStorage.getItem(key), visitorKey)).toBe(
      sessions[1].body.data.visitorToken,
    );

    expect(await widget.error.isVisible()).toBe(false);
    const mine = (await conversationsOf(scenario.api)).filter((c) => c.externalUserId === newcomer);
    expect(mine.length).toBe(1);
    expect(mine[0].id).not.toBe(sent.body.data.conversation.id);
    expect(await rowsAddedSince(before)).toEqual({ conversation: 1, message: 2, idempotency_key: 1 });
    await page.context().close();
  });
});

describe('token renewal', () => {
  let app: TestApp;
  let ownDb: ScratchDatabase;
  let chatbotId: string;
  let api: Api;
  beforeAll(async () => {
    ownDb = await createScratchDatabase('widget_ttl');
    // The shortest widget token config allows: it expires mid-test.
    app = await startTestApp({
      OPENAI_BASE_URL: scenario.llm.url,
      DATABASE_URL: ownDb.url,
      WIDGET_SESSION_TTL_SECONDS: '10',
    });
    api = apiClient(app.url, tokenFor(`widget-ttl-${randomUUID()}`));
    chatbotId = (await createChatbot(api, { widget: { allowedOrigins: [host.origin] } })).id;
  });
  afterAll(async () => {
    await app?.stop();
    await ownDb?.drop();
  });

  it('keeps the widget working across its token’s expiry: renewed, live again, and a send after it is answered', async () => {
    const page = await newVisitor(browser);
    const sessions = recordSessions(page);
    const widget = widgetOn(page);
    await page.goto(host.add('/ttl', { tag: { src: `${app.url}/widget.js`, chatbotId } }));
    await widget.launcher.click();
    await widget.send('Before expiry');
    await widget.message('Echo: Before expiry').waitFor();
    const first = sessions[0].body.data;
    expect(Date.parse(first.expiresAt) - Date.now()).toBeLessThanOrEqual(10_000);

    // The server ends the socket at the token's exp; the widget renews it.
    await waitFor(() => sessions.length >= 2, 20_000, 'a renewed session');
    expect(sessions.map((s) => s.status)).toEqual([201, 201]);
    const renewed = sessions[1].body.data;
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    expect(endUserOf(renewed.token)).toBe(endUserOf(first.token));
    await waitFor(() => Date.now() > Date.parse(first.expiresAt), 15_000, 'the first token to expire');
    const stale = await apiClient(app.url, first.token)('GET', '/conversations', { headers: { Origin: host.origin } });
    expect(stale.status).toBe(401);

    await widget.send('After expiry');
    await widget.message('Echo: After expiry').waitFor();
    expect(await widget.bubbles()).toEqual([
      'Before expiry',
      'Echo: Before expiry',
      'After expiry',
      'Echo: After expiry',
    ]);
    expect(await widget.error.isVisible()).toBe(false);
    const conversations = await conversationsOf(api);
    expect(conversations.map((c) => c.externalUserId)).toEqual([endUserOf(first.token)]);
    const history = await settledHistory(api, conversations[0].id, 4);
    expect(history.map((m) => m.content)).toEqual([
      'Before expiry',
      'Echo: Before expiry',
      'After expiry',
      'Echo: After expiry',
    ]);
    await page.context().close();
  });
});

describe('the demo page (development: no JWT_SECRET)', () => {
  let app: TestApp;
  let ownDb: ScratchDatabase;
  let dataDir: string;
  beforeAll(async () => {
    ownDb = await createScratchDatabase('widget_demo');
    dataDir = mkdtempSync(join(tmpdir(), 'chatflow-demo-'));
    // No JWT_SECRET: the development secret (in DATA_DIR); no LLM configured: the built-in echo model.
    app = await startTestApp({ JWT_SECRET: '', DATA_DIR: dataDir, DATABASE_URL: ownDb.url });
  });
  afterAll(async () => {
    await app?.stop();
    await ownDb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers through the echo model; the screenshot for the README is taken here', async () => {
    expect(app.deps.config.devSecretFile).toBe(join(dataDir, 'dev-jwt-secret'));
    expect(app.deps.llmDescription).toMatch(/^built-in echo model at http:\/\/127\.0\.0\.1:\d+\/v1 /);
    // Wide enough that the open panel leaves the page's text readable beside it.
    const page = await newVisitor(browser, { width: 1440, height: 740 });
    const widget = widgetOn(page);
    await page.goto(`${app.url}/demo`);
    await page.getByRole('heading', { name: 'chatflow demo' }).waitFor();
    await widget.launcher.click();
    await widget.send('hello');
    await widget.message('Echo: hello').waitFor();
    expect(await widget.bubbles()).toEqual(['hello', 'Echo: hello']);
    await widget.log.locator('.row.user .meta').getByText('sent', { exact: true }).waitFor();
    // 1100 px wide: the page's centred text and the panel, without the empty margin on the left.
    const image = await page.screenshot({ clip: { x: 340, y: 0, width: 1100, height: 740 } });
    expect(image.length).toBeGreaterThan(10_000);
    // Written when missing or asked for (UPDATE_SCREENSHOTS=1): the chatbot id on the page changes every run.
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(SCREENSHOT)) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      writeFileSync(SCREENSHOT, image);
    }
    await page.context().close();
  });
});
