import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { ensureSearchAttributes } from './search-attributes.js';

export interface TemporalSession {
  /** Shared by the worker and the client, so workflow starts can be eager. */
  connection: NativeConnection;
  client: Client;
}

/** The connection to Temporal, which may not exist yet: a process starts whether Temporal answers or not. */
export interface TemporalLink {
  readonly address: string;
  /** The session once connected; undefined while Temporal has not answered yet. */
  current(): TemporalSession | undefined;
  /** The client once connected; throws TemporalUnavailableError while Temporal has not answered yet. */
  client(): Client;
  /** Resolves once connected; rejects if the link is closed first. */
  readonly ready: Promise<TemporalSession>;
  close(): Promise<void>;
}

/** Raised where a step needs Temporal before the first connection succeeded. */
export class TemporalUnavailableError extends Error {
  constructor(address: string) {
    super(`Temporal at ${address} is not reachable yet`);
    this.name = 'TemporalUnavailableError';
  }
}

/**
 * Connects to Temporal in the background, retrying until it answers (a process started during a
 * Temporal outage reports not-ready and keeps accepting messages into the outbox meanwhile). Once
 * connected, the SDK reconnects by itself. Registers the flow's search attributes on connect.
 */
export function connectTemporal(options: { address: string; namespace: string; logger: Logger }): TemporalLink {
  const { address, namespace, logger } = options;
  let session: TemporalSession | undefined;
  let closed = false;
  let wake: (() => void) | undefined;

  const ready = (async () => {
    for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5000)) {
      let connection: NativeConnection | undefined;
      try {
        connection = await NativeConnection.connect({ address });
        await ensureSearchAttributes(connection, namespace);
        if (closed) throw new Error('closed');
        session = { connection, client: new Client({ connection, namespace }) };
        if (attempt > 1) logger.info({ address }, 'connected to Temporal');
        return session;
      } catch (err) {
        await connection?.close().catch(() => undefined);
        if (closed) throw new Error('The Temporal link was closed before it connected', { cause: err });
        if (attempt === 1)
          logger.warn(
            { address, err: String(err) },
            'Temporal is not reachable; retrying (messages are kept in the outbox)',
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => (clearTimeout(timer), resolve());
        });
      }
    }
  })();
  ready.catch(() => undefined);

  return {
    address,
    current: () => session,
    client() {
      if (!session) throw new TemporalUnavailableError(address);
      return session.client;
    },
    ready,
    async close() {
      closed = true;
      wake?.();
      await session?.connection.close();
    },
  };
}
