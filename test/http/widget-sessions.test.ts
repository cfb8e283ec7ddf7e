import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { testEnv } from '../support/env.js';
import {
  apiClient,
  createChatbot,
  settledHistory,
  startScenario,
  startTestApp,
  tokenFor,
  type Api,
  type Scenario,
  type TestApp,
} from '../support/harness.js';

/**
 * Browser access without a browser: what a page on another origin sends (Origin, preflights) and
 * what it may read (Access-Control-Allow-Origin), the widget sessions (anonymous visitors and
 * signed-in users), their limits, the script, and the Socket.IO handshake's origin check. The
 * browser itself is in test/ui/widget.test.ts.
 */
const SHOP = 'https://shop.example.com';
const BLOG = 'http://blog.example.org:8080';
const OPS = 'https://ops.example.net';
const STRANGER = 'https://evil.example';
const IDENTITY_SECRET = 'the-shop-identity-secret-0123456789';

let db: ScratchDatabase;
let scenario: Scenario;
let customerId: string;
/** The shop's bot: anonymous visitors and signed-in users, on SHOP only. */
let shopBot: string;
/** The blog's bot (same customer): BLOG only, signed-in users only. */
let blogBot: string;
/** A bot with no widget at all. */
let plainBot: string;

const userHash = (userId: string, secret = IDENTITY_SECRET) =>
  createHmac('sha256', secret).update(userId).digest('hex');
const fromPage = (origin: string, headers: Record<string, string> = {}) => ({ Origin: origin, ...headers });
const anonymous: Api = (...args) => apiClient(scenario.app.url)(...args);
const startSession = (body: Record<string, unknown>, origin: string | null = SHOP) =>
  anonymous('POST', '/widget-sessions', { body, headers: origin ? fromPage(origin) : {} });
const preflight = (path: string, origin: string, method = 'POST') =>
  fetch(scenario.app.url + path, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key',
    },
  });
const corsHeaders = (headers: Headers) =>
  Object.fromEntries([...headers.entries()].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

beforeAll(async () => {
  db = await createScratchDatabase('widget_sessions');
  scenario = await startScenario('widget-sessions', { DATABASE_URL: db.url, CORS_ORIGINS: `${OPS}, ` });
  customerId = (jwt.decode(scenario.token) as { sub: string }).sub;
  const bot = async (body: Record<string, unknown>) => (await createChatbot(scenario.api, body)).id;
  shopBot = await bot({
    name: 'shop',
    widget: { allowedOrigins: ['https://SHOP.example.com'], anonymous: true, identitySecret: IDENTITY_SECRET },
  });
  blogBot = await bot({
    name: 'blog',
    widget: { allowedOrigins: [BLOG], anonymous: false, identitySecret: 'another-identity-secret-abcdef' },
  });
  plainBot = scenario.chatbotId;
});
afterAll(async () => {
  await scenario?.stop();
  await db?.drop();
});

describe('a chatbot’s widget settings', () => {
  it('are stored normalized, shown without the secret, and a PATCH that leaves the secret out keeps it', async () => {
    const shop = (await scenario.api('GET', `/chatbots/${shopBot}`)).body.data;
    expect(shop.widget).toEqual({ allowedOrigins: [SHOP], anonymous: true, identitySecretSet: true });
    expect(JSON.stringify(shop)).not.toContain(IDENTITY_SECRET);
    expect((await scenario.api('GET', `/chatbots/${plainBot}`)).body.data.widget).toBeNull();

    const created = await createChatbot(scenario.api, {
      name: 'defaults',
      widget: {
        allowedOrigins: [SHOP, 'https://shop.example.com:443', 'https://shop.example.com/', 'http://localhost:5173'],
      },
    });
    const path = `/chatbots/${created.id}`;
    expect((created as any).widget).toEqual({
      allowedOrigins: [SHOP, 'http://localhost:5173'],
      anonymous: true,
      identitySecretSet: false,
    });
    const secretSet = await scenario.api('PATCH', path, {
      body: { widget: { allowedOrigins: [SHOP], anonymous: false, identitySecret: IDENTITY_SECRET } },
    });
    expect(secretSet.body.data.widget).toEqual({ allowedOrigins: [SHOP], anonymous: false, identitySecretSet: true });
    const kept = await scenario.api('PATCH', path, { body: { widget: { allowedOrigins: [BLOG], anonymous: true } } });
    expect(kept.body.data.widget).toEqual({ allowedOrigins: [BLOG], anonymous: true, identitySecretSet: true });
    const removed = await scenario.api('PATCH', path, {
      body: { widget: { allowedOrigins: [BLOG], identitySecret: null } },
    });
    expect(removed.body.data.widget).toEqual({ allowedOrigins: [BLOG], anonymous: true, identitySecretSet: false });
    const off = await scenario.api('PATCH', path, { body: { widget: null } });
    expect(off.body.data.widget).toBeNull();
    expect((await scenario.api('DELETE', path)).status).toBe(204);
  });

  it('refuses what is not an origin, and a short secret, naming the field; nothing changes', async () => {
    const before = await db.tableCounts();
    const shop = (await scenario.api('GET', `/chatbots/${shopBot}`)).body.data;
    for (const [origin, index] of [
      ['https://shop.example.com/page', 0],
      ['*', 0],
      ['null', 0],
      ['ftp://shop.example.com', 0],
      ['https://user:pw@shop.example.com', 0],
      ['https://*.example.com', 0],
    ] as const) {
      const res = await scenario.api('PATCH', `/chatbots/${shopBot}`, {
        body: { widget: { allowedOrigins: [origin], anonymous: true } },
      });
      expect({ origin, status: res.status, errors: res.body.errors }).toEqual({
        origin,
        status: 400,
        errors: [
          {
            path: `widget.allowedOrigins.${index}`,
            message: 'must be an origin: http(s)://host[:port], with no path',
          },
        ],
      });
    }
    const short = await scenario.api('PATCH', `/chatbots/${shopBot}`, {
      body: { widget: { allowedOrigins: [SHOP], identitySecret: 'short' } },
    });
    expect(short.body.errors).toEqual([{ path: 'widget.identitySecret', message: 'must be at least 16 characters' }]);
    expect((await scenario.api('GET', `/chatbots/${shopBot}`)).body.data).toEqual(shop);
    expect(await db.tableCounts()).toEqual(before);
  });
});

describe('CORS', () => {
  it('answers an end user route’s preflight before authentication, echoing only an origin some chatbot allows', async () => {
    for (const path of ['/messages/send', '/widget-sessions']) {
      const allowed = await preflight(path, SHOP);
      expect({ path, status: allowed.status, cors: corsHeaders(allowed.headers) }).toEqual({
        path,
        status: 204,
        cors: {
          'access-control-allow-origin': SHOP,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'Authorization, Content-Type, Idempotency-Key',
          'access-control-max-age': '600',
          vary: 'Origin',
        },
      });
      const refused = await preflight(path, STRANGER);
      expect({ path, status: refused.status, cors: corsHeaders(refused.headers) }).toEqual({
        path,
        status: 204,
        cors: { vary: 'Origin' },
      });
    }
    const history = await preflight(`/messages/conversation/${crypto.randomUUID()}?after=0`, BLOG, 'GET');
    expect(history.headers.get('access-control-allow-origin')).toBe(BLOG);
  });

  it('gives customer routes no CORS, except to the operators’ dashboards of CORS_ORIGINS (on every route)', async () => {
    for (const [path, method] of [
      ['/chatbots', 'POST'],
      [`/messages/${crypto.randomUUID()}/retry`, 'POST'],
      ['/openapi.json', 'GET'],
    ]) {
      expect((await preflight(path, SHOP, method)).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(path, OPS, method)).headers.get('access-control-allow-origin')).toBe(OPS);
    }
    const fromShop = await scenario.api('GET', '/chatbots', { headers: fromPage(SHOP) });
    expect({ status: fromShop.status, cors: fromShop.headers.get('access-control-allow-origin') }).toEqual({
      status: 403,
      cors: null,
    });
    expect(fromShop.body.detail).toBe(
      `A customer token is not accepted from pages on ${SHOP}: CORS_ORIGINS does not name that origin`,
    );
    const fromOps = await scenario.api('GET', '/chatbots', { headers: fromPage(OPS) });
    expect({ status: fromOps.status, cors: fromOps.headers.get('access-control-allow-origin') }).toEqual({
      status: 200,
      cors: OPS,
    });
    expect(fromOps.headers.get('access-control-expose-headers')).toBe(
      'Idempotent-Replayed, Retry-After, ETag, Location',
    );
  });

  it('answers a widget token only from its own chatbot’s sites; without an Origin (a server) it is answered', async () => {
    const session = await startSession({ chatbotId: shopBot });
    const widget = apiClient(scenario.app.url, session.body.data.token);
    const before = await db.tableCounts();
    // BLOG is allowed by another chatbot of the same customer: its preflight passes, this request does not.
    for (const origin of [BLOG, STRANGER]) {
      const res = await widget('POST', '/messages/send', { body: { content: 'hi' }, headers: fromPage(origin) });
      expect({ origin, status: res.status, cors: res.headers.get('access-control-allow-origin') }).toEqual({
        origin,
        status: 403,
        cors: null,
      });
      expect(res.body.detail).toBe(
        `Pages on ${origin} may not use this chatbot: its widget.allowedOrigins does not name that origin`,
      );
    }
    expect(await db.tableCounts()).toEqual(before);

    const sent = await widget('POST', '/messages/send', { body: { content: 'hi' }, headers: fromPage(SHOP) });
    expect({ status: sent.status, cors: sent.headers.get('access-control-allow-origin') }).toEqual({
      status: 202,
      cors: SHOP,
    });
    const conversationId = sent.body.data.conversation.id;
    const history = await widget('GET', `/messages/conversation/${conversationId}`, { headers: fromPage(SHOP) });
    expect(history.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect((await settledHistory(widget, conversationId, 2)).map((m) => m.content)).toEqual(['hi', 'Echo: hi']);
  });

  it('lets an allowed page read the errors it must act on: an expired token’s 401, a 404', async () => {
    const expired = jwt.sign(
      { sub: customerId, scope: 'widget', chatbotId: shopBot, externalUserId: 'late', exp: 1 },
      testEnv().jwtSecret,
    );
    const res = await apiClient(scenario.app.url, expired)('POST', '/messages/send', {
      body: { content: 'x' },
      headers: fromPage(SHOP),
    });
    expect({ status: res.status, cors: res.headers.get('access-control-allow-origin') }).toEqual({
      status: 401,
      cors: SHOP,
    });
    const session = await startSession({ chatbotId: shopBot });
    const missing = await apiClient(scenario.app.url, session.body.data.token)(
      'GET',
      `/conversations/${crypto.randomUUID()}`,
      { headers: fromPage(SHOP) },
    );
    expect({ status: missing.status, cors: missing.headers.get('access-control-allow-origin') }).toEqual({
      status: 404,
      cors: SHOP,
    });
  });

  it('marks every response nosniff: JSON, errors, health, documents, the script, Socket.IO’s polling', async () => {
    const paths = [
      '/health',
      '/openapi.json',
      '/docs',
      '/widget.js',
      '/nope',
      '/chatbots',
      '/socket.io/?EIO=4&transport=polling',
    ];
    for (const path of paths) {
      const res = await fetch(scenario.app.url + path);
      await res.arrayBuffer();
      expect({ path, nosniff: res.headers.get('x-content-type-options') }).toEqual({ path, nosniff: 'nosniff' });
    }
  });
});

describe('POST /widget-sessions', () => {
  it('gives a new anonymous visitor a widget token and a visitor token; coming back with it is the same end user', async () => {
    const before = Math.floor(Date.now() / 1000);
    const first = await startSession({ chatbotId: shopBot });
    expect(first.status).toBe(201);
    expect(first.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(Object.keys(first.body.data).sort()).toEqual(['expiresAt', 'token', 'visitorToken']);
    const claims = jwt.verify(first.body.data.token, testEnv().jwtSecret) as Record<string, any>;
    expect(claims).toEqual({
      sub: customerId,
      scope: 'widget',
      chatbotId: shopBot,
      externalUserId: expect.stringMatching(/^visitor:[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: claims.iat + 900,
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(first.body.data.expiresAt).toBe(new Date(claims.exp * 1000).toISOString());
    // The visitor token is not an API token.
    const asApi = await apiClient(scenario.app.url, first.body.data.visitorToken)('GET', '/conversations');
    expect(asApi.status).toBe(401);

    const again = await startSession({ chatbotId: shopBot, visitorToken: first.body.data.visitorToken });
    expect(again.status).toBe(201);
    const againClaims = jwt.decode(again.body.data.token) as Record<string, any>;
    expect(againClaims.externalUserId).toBe(claims.externalUserId);
    expect(again.body.data.visitorToken).toEqual(expect.any(String));

    // Both tokens are the same end user: one conversation, not two.
    const one = apiClient(scenario.app.url, first.body.data.token);
    const two = apiClient(scenario.app.url, again.body.data.token);
    const a = await one('POST', '/messages/send', { body: { content: 'first visit' } });
    await settledHistory(one, a.body.data.conversation.id, 2);
    const b = await two('POST', '/messages/send', { body: { content: 'next visit' } });
    expect(b.body.data.conversation.id).toBe(a.body.data.conversation.id);
    const conversations = await two('GET', '/conversations');
    expect(conversations.body.data.map((c: any) => c.id)).toEqual([a.body.data.conversation.id]);
    expect((await settledHistory(two, a.body.data.conversation.id, 4)).map((m) => m.content)).toEqual([
      'first visit',
      'Echo: first visit',
      'next visit',
      'Echo: next visit',
    ]);

    // A new visitor is another end user.
    const stranger = await startSession({ chatbotId: shopBot });
    expect((jwt.decode(stranger.body.data.token) as any).externalUserId).not.toBe(claims.externalUserId);
  });

  it('refuses a forged, altered or foreign visitor token with a 401, and mints nothing', async () => {
    const { visitorToken } = (await startSession({ chatbotId: shopBot })).body.data;
    const [header, payload, signature] = visitorToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const altered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, sub: crypto.randomUUID() })).toString('base64url'),
      signature,
    ].join('.');
    const signedWithApiSecret = jwt.sign({ ...claims }, testEnv().jwtSecret, { algorithm: 'HS256' });
    const unsigned = [Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'), payload, ''].join('.');
    const anotherBots = jwt.sign({ ...claims, chatbotId: blogBot }, testEnv().jwtSecret);
    const before = await db.tableCounts();
    for (const [what, token] of [
      ['altered', altered],
      ['signed with the API secret', signedWithApiSecret],
      ['unsigned', unsigned],
      ['another bot’s', anotherBots],
      ['garbage', 'not-a-token'],
    ]) {
      const res = await startSession({ chatbotId: shopBot, visitorToken: token });
      expect({ what, status: res.status, detail: res.body.detail, data: res.body.data }).toEqual({
        what,
        status: 401,
        detail: 'The visitor token is not valid: start a new visitor without it',
        data: undefined,
      });
    }
    // A visitor token of one bot is not one of another.
    const blogSession = await startSession({ chatbotId: blogBot, visitorToken }, BLOG);
    expect(blogSession.status).toBe(403); // the blog admits only signed-in users
    expect(await db.tableCounts()).toEqual(before);
  });

  it('identifies a signed-in user by the HMAC of their id: right, the end user is userId; wrong, 401', async () => {
    const right = await startSession({ chatbotId: shopBot, userId: 'customer-42', userHash: userHash('customer-42') });
    expect(right.status).toBe(201);
    expect(Object.keys(right.body.data).sort()).toEqual(['expiresAt', 'token']);
    expect((jwt.decode(right.body.data.token) as any).externalUserId).toBe('customer-42');
    const upper = await startSession({
      chatbotId: shopBot,
      userId: 'customer-42',
      userHash: userHash('customer-42').toUpperCase(),
    });
    expect(upper.status).toBe(201);
    // A visitor token beside a signed-in user: the user wins.
    const { visitorToken } = (await startSession({ chatbotId: shopBot })).body.data;
    const both = await startSession({
      chatbotId: shopBot,
      visitorToken,
      userId: 'customer-42',
      userHash: userHash('customer-42'),
    });
    expect((jwt.decode(both.body.data.token) as any).externalUserId).toBe('customer-42');

    for (const [what, body] of [
      ['another user’s hash', { userId: 'customer-42', userHash: userHash('customer-43') }],
      [
        'another secret',
        { userId: 'customer-42', userHash: userHash('customer-42', 'another-identity-secret-abcdef') },
      ],
    ] as const) {
      const res = await startSession({ chatbotId: shopBot, ...body });
      expect({ what, status: res.status, detail: res.body.detail }).toEqual({
        what,
        status: 401,
        detail: 'userHash is not the HMAC-SHA256 of userId with this chatbot’s identity secret',
      });
    }
    const blog = await startSession(
      { chatbotId: blogBot, userId: 'reader', userHash: userHash('reader', 'another-identity-secret-abcdef') },
      BLOG,
    );
    expect(blog.status).toBe(201);
    expect(blog.headers.get('access-control-allow-origin')).toBe(BLOG);
  });

  it('says why it refuses: bad input 400, no or a foreign Origin 403, a widget that does not allow it 403, no bot 404', async () => {
    const before = await db.tableCounts();
    const cases: [string, Record<string, unknown>, string | null, number, string][] = [
      ['a user without a hash', { chatbotId: shopBot, userId: 'u' }, SHOP, 400, 'The request is invalid'],
      ['a malformed hash', { chatbotId: shopBot, userId: 'u', userHash: 'abc' }, SHOP, 400, 'The request is invalid'],
      [
        'a padded user id',
        { chatbotId: shopBot, userId: ' u', userHash: userHash(' u') },
        SHOP,
        400,
        'The request is invalid',
      ],
      ['no chatbot', {}, SHOP, 400, 'The request is invalid'],
      [
        'no Origin',
        { chatbotId: shopBot },
        null,
        403,
        'A widget session starts from a browser page: the request has no Origin',
      ],
      [
        'a foreign Origin',
        { chatbotId: shopBot },
        STRANGER,
        403,
        `Pages on ${STRANGER} may not use this chatbot: its widget.allowedOrigins does not name that origin`,
      ],
      [
        'another bot’s Origin',
        { chatbotId: shopBot },
        BLOG,
        403,
        `Pages on ${BLOG} may not use this chatbot: its widget.allowedOrigins does not name that origin`,
      ],
      [
        'a bot with no widget',
        { chatbotId: plainBot },
        SHOP,
        403,
        'This chatbot has no widget: set its widget.allowedOrigins',
      ],
      [
        'an anonymous visitor of a signed-in-only bot',
        { chatbotId: blogBot },
        BLOG,
        403,
        'This chatbot talks only with signed-in users: send userId and userHash',
      ],
      ['an unknown bot', { chatbotId: crypto.randomUUID() }, SHOP, 404, 'Chatbot not found'],
    ];
    for (const [what, body, origin, status, detail] of cases) {
      const res = await startSession(body, origin);
      expect({ what, status: res.status, detail: res.body.detail }).toEqual({ what, status, detail });
      // A page the chatbot does not allow may not read the refusal; an allowed page may.
      const notAllowed = origin === null || what.endsWith('Origin') || what === 'a bot with no widget';
      const readable = notAllowed ? null : origin;
      expect({ what, cors: res.headers.get('access-control-allow-origin') }).toEqual({ what, cors: readable });
    }
    const noSecret = await createChatbot(scenario.api, { name: 'no secret', widget: { allowedOrigins: [SHOP] } });
    const unverifiable = await startSession({ chatbotId: noSecret.id, userId: 'u', userHash: userHash('u') });
    expect({ status: unverifiable.status, detail: unverifiable.body.detail }).toEqual({
      status: 403,
      detail: 'This chatbot does not verify signed-in users: its widget has no identitySecret',
    });
    expect((await scenario.api('DELETE', `/chatbots/${noSecret.id}`)).status).toBe(204);
    const deleted = await startSession({ chatbotId: noSecret.id });
    expect(deleted.status).toBe(404);
    const counts = await db.tableCounts();
    expect(counts).toEqual({ ...before, chatbot: before.chatbot + 1 });
  });
});

describe('GET /widget.js', () => {
  it('is one script under 40 KB gzipped, cached with an ETag (304 when unchanged)', async () => {
    const res = await fetch(`${scenario.app.url}/widget.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    const code = await res.text(); // fetch decompresses
    const etag = res.headers.get('etag')!;
    expect({
      status: res.status,
      type: res.headers.get('content-type'),
      encoding: res.headers.get('content-encoding'),
      cache: res.headers.get('cache-control'),
      etag,
    }).toEqual({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      encoding: 'gzip',
      cache: 'public, max-age=300, must-revalidate',
      etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
    });
    expect(Number(res.headers.get('content-length'))).toBeLessThanOrEqual(40 * 1024);
    expect(code).toContain('Chatflow');
    const again = await fetch(`${scenario.app.url}/widget.js`, { headers: { 'If-None-Match': etag } });
    expect({ status: again.status, body: await again.text() }).toEqual({ status: 304, body: '' });
    const plain = await fetch(`${scenario.app.url}/widget.js`, { headers: { 'Accept-Encoding': 'identity' } });
    expect({ encoding: plain.headers.get('content-encoding'), body: await plain.text() }).toEqual({
      encoding: null,
      body: code,
    });
  });
});

describe('Socket.IO from a page', () => {
  const connect = (token: string, origin?: string) =>
    new Promise<string>((resolve) => {
      const socket = io(`${scenario.app.url}/messages`, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        extraHeaders: origin ? { Origin: origin } : {},
      });
      socket.once('connect', () => {
        socket.close();
        resolve('connected');
      });
      socket.once('connect_error', (err) => {
        socket.close();
        resolve(err.message);
      });
    });

  it('refuses a widget token from an origin outside its chatbot’s list, and a customer token from any page not in CORS_ORIGINS', async () => {
    const shopToken = (await startSession({ chatbotId: shopBot })).body.data.token;
    expect(await connect(shopToken, SHOP)).toBe('connected');
    expect(await connect(shopToken)).toBe('connected');
    expect(await connect(shopToken, BLOG)).toBe('origin not allowed');
    expect(await connect(shopToken, STRANGER)).toBe('origin not allowed');
    expect(await connect(scenario.token, SHOP)).toBe('origin not allowed');
    expect(await connect(scenario.token, OPS)).toBe('connected');
  });

  it('answers the long-polling handshake with CORS only for allowed origins', async () => {
    const poll = (origin: string) =>
      fetch(`${scenario.app.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
    const allowed = await poll(SHOP);
    await allowed.text();
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP);
    const refused = await poll(STRANGER);
    await refused.text();
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('limits on starting sessions', () => {
  let app: TestApp;
  let bot: string;
  beforeAll(async () => {
    app = await startTestApp({
      TRUST_PROXY: 'true',
      RATE_LIMIT_WIDGET_SESSIONS_PER_ADDRESS: '3',
      RATE_LIMIT_WIDGET_SESSIONS_PER_CHATBOT: '5',
    });
    bot = (
      await createChatbot(apiClient(app.url, tokenFor(`limits-${crypto.randomUUID()}`)), {
        widget: { allowedOrigins: [SHOP] },
      })
    ).id;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('count per client address first, then per chatbot; a refusal says which, when to retry, and is readable by the page', async () => {
    const from = (address: string) =>
      apiClient(app.url)('POST', '/widget-sessions', {
        body: { chatbotId: bot },
        headers: fromPage(SHOP, { 'X-Forwarded-For': address }),
      });
    const statuses = async (address: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await from(address)).status);
      return out;
    };
    expect(await statuses('203.0.113.1', 3)).toEqual([201, 201, 201]);
    const overAddress = await from('203.0.113.1');
    expect({
      status: overAddress.status,
      detail: overAddress.body.detail,
      retryAfter: Number(overAddress.headers.get('retry-after')) > 0,
      cors: overAddress.headers.get('access-control-allow-origin'),
    }).toEqual({
      status: 429,
      detail: expect.stringMatching(/^Too many chat sessions for this address: at most 3 a minute\. Retry in \d+ s\.$/),
      retryAfter: true,
      cors: SHOP,
    });
    // Another address behind the proxy has its own count, until the chatbot's (5) is used up.
    expect(await statuses('203.0.113.2', 3)).toEqual([201, 201, 429]);
    const overChatbot = await from('203.0.113.3');
    expect(overChatbot.body.detail).toMatch(/^Too many chat sessions for this chatbot: at most 5 a minute\./);
  });
});
