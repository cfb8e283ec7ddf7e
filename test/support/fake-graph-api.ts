import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';

export interface GraphRequest {
  method: string;
  path: string;
  authorization: string;
  body: any;
}

export type GraphAnswer = { status: number; body: unknown };

/**
 * A local server speaking the WhatsApp Cloud API's send endpoint (`POST /{version}/{phone-number-id}/messages`):
 * answers with a wamid, or with the scripted Graph API error.
 */
export async function startFakeGraphApi() {
  const requests: GraphRequest[] = [];
  const answers: GraphAnswer[] = [];
  const server = createServer(
    (req, res) =>
      void (async () => {
        const body = JSON.parse((await readBody(req)) || '{}');
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          authorization: String(req.headers.authorization ?? ''),
          body,
        });
        const answer = answers.shift() ?? {
          status: 200,
          body: {
            messaging_product: 'whatsapp',
            contacts: [{ input: body.to, wa_id: body.to }],
            messages: [{ id: `wamid.${randomUUID()}` }],
          },
        };
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      })(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v23.0`,
    requests,
    /** A Graph API error for the next request: `{ error: { message, type, code, error_data, fbtrace_id } }`. */
    fail: (status: number, code: number, details: string) =>
      answers.push({
        status,
        body: {
          error: {
            message: `(#${code}) ${details}`,
            type: 'OAuthException',
            code,
            error_data: { messaging_product: 'whatsapp', details },
            fbtrace_id: 'AbCdEf',
          },
        },
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
