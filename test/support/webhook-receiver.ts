import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: any;
  /** Whether the signature matched hex HMAC-SHA256(secret, timestamp + '.' + raw body). */
  verified: boolean;
}

/** A customer's webhook receiver, as the README tells one to write it: verifies every signature. */
export async function startWebhookReceiver(secret: string) {
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  const server = createServer(
    (req, res) =>
      void (async () => {
        const raw = await readBody(req);
        const timestamp = String(req.headers['x-webhook-timestamp'] ?? '');
        const signature = String(req.headers['x-webhook-signature'] ?? '');
        const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
        const verified =
          signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
        received.push({
          id: String(req.headers['x-webhook-id'] ?? ''),
          timestamp,
          signature,
          body: JSON.parse(raw),
          verified,
        });
        res.writeHead(answers.shift() ?? 200).end();
      })(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/chat?token=sk-in-query`,
    received,
    /** HTTP statuses for the next requests, in order; then 200. */
    answer: (...statuses: number[]) => answers.push(...statuses),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
