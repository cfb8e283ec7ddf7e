import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import type Koa from 'koa';
import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';
import { openApiPaths } from '../../src/http/openapi/document.js';
import { apiClient, settledHistory, startScenario, type ApiResponse, type Scenario } from '../support/harness.js';

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario('openapi');
});
afterAll(async () => {
  await scenario?.stop();
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** The app's routes as `METHOD /path/{param}`, read from each @koa/router middleware of the Koa app. */
function servedRoutes(app: Koa): Set<string> {
  const routes = new Set<string>();
  for (const middleware of app.middleware) {
    const router = (middleware as { router?: { stack: { path: string; methods: string[] }[] } }).router;
    for (const layer of router?.stack ?? []) {
      const path = layer.path.replace(/:(\w+)/g, '{$1}');
      for (const method of layer.methods) if (method !== 'HEAD') routes.add(`${method} ${path}`);
    }
  }
  return routes;
}

function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }): Set<string> {
  const routes = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) if (item[method]) routes.add(`${method.toUpperCase()} ${path}`);
  }
  return routes;
}

/** Parses a real response with the zod schema the document declares for its path, method and status. */
function expectDocumented(res: ApiResponse, method: string, path: string) {
  const operation = openApiPaths(scenario.app.api.routes)[path]?.[method.toLowerCase() as (typeof METHODS)[number]];
  if (!operation) throw new Error(`${method} ${path} is not documented`);
  const response = operation.responses[`${res.status}` as '200'] as ZodOpenApiResponseObject | undefined;
  if (!response)
    throw new Error(`${method} ${path} does not document status ${res.status}: ${JSON.stringify(res.body)}`);
  const mediaType = res.status >= 400 ? 'application/problem+json' : 'application/json';
  expect(res.contentType).toContain(mediaType);
  const schema = (response.content as Record<string, { schema?: z.ZodType }> | undefined)?.[mediaType]?.schema;
  if (!schema) throw new Error(`${method} ${path} ${res.status} documents no ${mediaType} body`);
  const parsed = schema.safeParse(res.body);
  if (!parsed.success)
    throw new Error(
      `${method} ${path} ${res.status} does not match its documented schema:\n${z.prettifyError(parsed.error)}\nbody: ${JSON.stringify(res.body)}`,
    );
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const res = await fetch(`${scenario.app.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const validator = new Validator();
    const result = await validator.validate((await res.json()) as Record<string, unknown>);
    if (!result.valid) console.error(JSON.stringify(result.errors, null, 2));
    expect({ valid: result.valid, version: validator.version }).toEqual({ valid: true, version: '3.1' });
  });

  it('documents every route the app serves, and only those', async () => {
    const document = (await (await fetch(`${scenario.app.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = servedRoutes(scenario.app.api.koa);
    const documented = documentedRoutes(document);
    expect(served.size).toBeGreaterThan(20);
    expect({
      undocumented: [...served].filter((r) => !documented.has(r)),
      notServed: [...documented].filter((r) => !served.has(r)),
    }).toEqual({
      undocumented: [],
      notServed: [],
    });
  });

  it('documents the bodies real requests answer, errors included', async () => {
    const { api, chatbotId } = scenario;
    const created = await api('POST', '/chatbots', {
      body: {
        name: 'Documented bot',
        rules: [{ match: { type: 'keyword', value: 'agent' }, action: { type: 'handoff' } }],
      },
    });
    expectDocumented(created, 'POST', '/chatbots');
    expectDocumented(await api('GET', '/chatbots?limit=10'), 'GET', '/chatbots');
    expectDocumented(await api('GET', `/chatbots/${chatbotId}`), 'GET', '/chatbots/{id}');
    expectDocumented(
      await api('PATCH', `/chatbots/${created.body.data.id}`, { body: { temperature: 0.5 } }),
      'PATCH',
      '/chatbots/{id}',
    );

    const send = { chatbotId, externalUserId: 'openapi-user', content: 'Hello documented world', channel: 'WIDGET' };
    const headers = { 'Idempotency-Key': `openapi-${crypto.randomUUID()}` };
    const sent = await api('POST', '/messages/send', { body: send, headers });
    expectDocumented(sent, 'POST', '/messages/send');
    const replayed = await api('POST', '/messages/send', { body: send, headers });
    expectDocumented(replayed, 'POST', '/messages/send');
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const conversationId: string = sent.body.data.conversation.id;

    await settledHistory(api, conversationId, 2);
    expectDocumented(
      await api('GET', `/messages/conversation/${conversationId}`),
      'GET',
      '/messages/conversation/{conversationId}',
    );
    expectDocumented(
      await api('GET', `/messages/conversation/${conversationId}?after=1`),
      'GET',
      '/messages/conversation/{conversationId}',
    );
    expectDocumented(await api('GET', `/messages/${sent.body.data.message.id}`), 'GET', '/messages/{id}');
    expectDocumented(await api('GET', `/conversations/${conversationId}`), 'GET', '/conversations/{id}');
    expectDocumented(await api('GET', `/conversations?chatbotId=${chatbotId}`), 'GET', '/conversations');
    expectDocumented(
      await api('POST', `/conversations/${conversationId}/handoff`, { body: { reason: 'documented' } }),
      'POST',
      '/conversations/{id}/handoff',
    );
    expectDocumented(
      await api('POST', `/conversations/${conversationId}/messages`, { body: { content: 'An agent speaking' } }),
      'POST',
      '/conversations/{id}/messages',
    );
    expectDocumented(
      await api('POST', '/widget-tokens', { body: { chatbotId, externalUserId: 'openapi-user' } }),
      'POST',
      '/widget-tokens',
    );
    expectDocumented(await api('GET', '/health'), 'GET', '/health');

    // Errors: 404, 400 with per-field errors, 401, 409.
    const missing = await api('GET', `/chatbots/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expectDocumented(missing, 'GET', '/chatbots/{id}');
    const invalid = await api('POST', '/messages/send', { body: { ...send, content: '', channel: 'FAX' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.length).toBeGreaterThan(0);
    expectDocumented(invalid, 'POST', '/messages/send');
    const anonymous = await apiClient(scenario.app.url)('GET', '/chatbots');
    expect(anonymous.status).toBe(401);
    expectDocumented(anonymous, 'GET', '/chatbots');
    const notFailed = await api('POST', `/messages/${sent.body.data.message.id}/retry`);
    expect(notFailed.status).toBe(409);
    expectDocumented(notFailed, 'POST', '/messages/{id}/retry');
    const widget = await api('GET', '/chatbots', {
      token: (await api('POST', '/widget-tokens', { body: { chatbotId, externalUserId: 'u' } })).body.data.token,
    });
    expect(widget.status).toBe(403);
    expectDocumented(widget, 'GET', '/chatbots');
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI from our own assets', async () => {
    const res = await fetch(`${scenario.app.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js']));
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true); // ours, not a CDN's
      const file = await fetch(`${scenario.app.url}${asset}`);
      expect({ asset, status: file.status }).toEqual({ asset, status: 200 });
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect((await fetch(`${scenario.app.url}/docs/package.json`)).status).toBe(404);
  });
});
