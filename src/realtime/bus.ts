import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';

type RedisClient = ReturnType<typeof createClient>;

export interface RealtimeBus {
  /** A Socket.IO adapter factory sharing rooms and events with every process on the same stream. */
  adapter: ReturnType<typeof createAdapter>;
  /** The shared connection (its stream reads use connections of their own); the rate limits count on it. */
  redis: RedisClient;
  /** Rejects when Redis does not answer (readiness). */
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Socket.IO across processes through one Redis stream. The Streams adapter (unlike pub/sub) keeps
 * connection-state recovery; `maxLen` must hold every event of a disconnection window, or recovery
 * silently fails. A short block time lets shutdown finish promptly.
 */
export async function connectRealtimeBus(options: {
  url: string;
  streamName: string;
  maxLen: number;
}): Promise<RealtimeBus> {
  const client = createClient({ url: options.url });
  client.on('error', () => undefined); // reconnects by itself; commands in flight reject on their own
  await client.connect();
  return {
    adapter: createAdapter(client, { streamName: options.streamName, maxLen: options.maxLen, blockTimeInMs: 500 }),
    redis: client,
    ping: () => client.ping(),
    close: async () => {
      await client.quit().catch(() => client.destroy());
    },
  };
}
