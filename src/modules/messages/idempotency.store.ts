import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, conflict } from '../../errors.js';

/** How long a key is remembered, and how long a request may hold it before another may take over. */
const KEEP_FOR = '24 hours';
const LEASE = '30 seconds';

export interface IdempotencyClaim {
  customerId: string;
  key: string;
  requestHash: string;
}

/** sha256 of the body as canonical JSON: key order and whitespace do not make another request. */
export function hashRequest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Claims a key for this request, in its own short transaction, so a concurrent duplicate sees it at
 * once. Returns undefined when the caller now owns the key, or the stored response to replay.
 * Throws 422 for the same key with another body, 409 while the first request is still in flight.
 * A key whose owner died before finishing (its lease ran out, nothing was stored) can be taken over.
 */
export async function claimKey(em: EntityManager, claim: IdempotencyClaim): Promise<unknown | undefined> {
  const claimed = await em.execute(
    `insert into idempotency_key (customer_id, key, request_hash, locked_until, created_at, expires_at)
     values (?, ?, ?, now() + interval '${LEASE}', now(), now() + interval '${KEEP_FOR}')
     on conflict (customer_id, key) do update
       set request_hash = excluded.request_hash, response = null, locked_until = excluded.locked_until,
           created_at = excluded.created_at, expires_at = excluded.expires_at
       where idempotency_key.expires_at < now()
          or (idempotency_key.response is null and idempotency_key.locked_until < now()
              and idempotency_key.request_hash = excluded.request_hash)
     returning key`,
    [claim.customerId, claim.key, claim.requestHash],
  );
  if (claimed.length > 0) return undefined;

  const [row] = await em.execute<{ request_hash: string; response: unknown }[]>(
    'select request_hash, response from idempotency_key where customer_id = ? and key = ?',
    [claim.customerId, claim.key],
  );
  if (!row) return claimKey(em, claim); // expired and deleted in between: claim again
  if (row.request_hash !== claim.requestHash) {
    throw new AppError(422, 'Unprocessable Content', 'This Idempotency-Key was already used with another request body');
  }
  if (row.response === null) throw conflict('A request with this Idempotency-Key is still in progress; retry shortly');
  return row.response;
}

/** Stores the response; call inside the transaction that saves what the response describes. */
export async function completeKey(em: EntityManager, claim: IdempotencyClaim, response: unknown): Promise<void> {
  await em.execute('update idempotency_key set response = ?, locked_until = null where customer_id = ? and key = ?', [
    JSON.stringify(response),
    claim.customerId,
    claim.key,
  ]);
}

/** Frees a claim whose request failed, so the client may retry with the same key. */
export async function releaseKey(em: EntityManager, claim: IdempotencyClaim): Promise<void> {
  await em.execute('delete from idempotency_key where customer_id = ? and key = ? and response is null', [claim.customerId, claim.key]);
}

/** Forgets keys older than their retention. */
export async function deleteExpiredKeys(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ key: string }[]>('delete from idempotency_key where expires_at < now() returning key');
  return rows.length;
}
