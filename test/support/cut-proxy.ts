import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A request the proxy saw go by: its request line's method and path, and its Idempotency-Key. */
export interface SeenRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  /** Refused: it came while the network was cut and never reached the app. */
  refused: boolean;
  /** Reached the app, which answered, but the answer was thrown away and the connection cut. */
  responseDropped: boolean;
}

export interface CutProxy {
  /** `http://127.0.0.1:<port>`: where the page reaches the app (the widget's baseUrl). */
  url: string;
  /** Every request seen, in order (HTTP/1.1 request heads; WebSocket frames are not requests). */
  requests: SeenRequest[];
  /** The network is gone: every open connection (WebSockets too) is cut, and new ones are refused. */
  cut(): void;
  /** The network is back. */
  restore(): void;
  /** The next `POST /messages/send` reaches the app; its response is thrown away and the connection cut. */
  dropNextSendResponse(): void;
  /** New connections go to another app process from now on (open ones stay where they are). */
  retarget(target: string): void;
  close(): Promise<void>;
}

/** The request head at the start of a chunk, if the chunk starts one (Chromium writes each head at once). */
function requestHead(chunk: Buffer): { method: string; path: string; idempotencyKey?: string } | undefined {
  const text = chunk.toString('latin1');
  const line = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(text);
  if (!line) return undefined;
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const key = /\r\nidempotency-key: *([^\r\n]*)/i.exec(head)?.[1];
  return { method: line[1], path: line[2], idempotencyKey: key };
}

/**
 * A TCP proxy in front of the app that the test controls, standing in for the network between a
 * browser and the API: Chromium's offline emulation leaves an open WebSocket alone, this does not.
 */
export async function startCutProxy(target: string): Promise<CutProxy> {
  let upstreamUrl = new URL(target);
  const open = new Set<Socket>();
  /** Connections made while cut that have not said anything yet: hung up on at the latest on restore. */
  const refusing = new Set<Socket>();
  const requests: SeenRequest[] = [];
  let isCut = false;
  let dropArmed = false;

  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (isCut) {
      // Read what it came to ask (for the test to see), then hang up without an answer.
      refusing.add(client);
      client.on('close', () => refusing.delete(client));
      client.once('data', (chunk: Buffer) => {
        const head = requestHead(chunk);
        if (head) requests.push({ ...head, refused: true, responseDropped: false });
        client.destroy();
      });
      return;
    }
    const upstream = connect(Number(upstreamUrl.port), upstreamUrl.hostname);
    open.add(upstream);
    /** The send whose answer this connection is to lose. */
    let dropping: SeenRequest | undefined;
    upstream.on('close', () => {
      open.delete(upstream);
      if (!dropping) client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => {
      const head = requestHead(chunk);
      if (head) {
        const seen: SeenRequest = { ...head, refused: false, responseDropped: false };
        requests.push(seen);
        if (dropArmed && head.method === 'POST' && head.path === '/messages/send') {
          dropArmed = false;
          dropping = seen;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropping) return void client.write(chunk);
      // The app answered, so it has saved the message: the answer is lost on the way back, after its
      // first bytes (a connection closed before any would be resent by Chromium itself, unseen by the page).
      dropping.responseDropped = true;
      client.end(chunk.subarray(0, 12), () => client.destroy());
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cut() {
      isCut = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      isCut = false;
      for (const socket of refusing) socket.destroy();
    },
    dropNextSendResponse() {
      dropArmed = true;
    },
    retarget(next) {
      upstreamUrl = new URL(next);
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
