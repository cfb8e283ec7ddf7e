import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, conflict } from '../../errors.js';

/** How long a key is remembered. */
const KEEP_FOR = '24 hours';

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
 * Takes the key for this request inside the transaction that will save what it describes. The
 * lock is PostgreSQL's transaction-scoped advisory lock: held exactly while that transaction is
 * alive and released the moment it ends, or its connection dies with its process. So a duplicate
 * gets 409 while the first request is in flight — however long — and never once it is gone.
 * Returns the stored response to replay, or undefined when this request goes ahead.
 * Throws 409 while in flight, 422 for the same key with another body.
 */
export async function claimKey(tx: EntityManager, claim: IdempotencyClaim): Promise<unknown> {
  const [lock] = await tx.execute<{ held: boolean }[]>('select pg_try_advisory_xact_lock(?::bigint) as held', [
    lockId(claim),
  ]);
  if (!lock?.held) throw conflict('A request with this Idempotency-Key is still in progress; retry shortly');
  const [row] = await tx.execute<{ request_hash: string; response: unknown }[]>(
    'select request_hash, response from idempotency_key where customer_id = ? and key = ? and expires_at >= now()',
    [claim.customerId, claim.key],
  );
  if (!row) return undefined;
  if (row.request_hash !== claim.requestHash) {
    throw new AppError(422, 'Unprocessable Content', 'This Idempotency-Key was already used with another request body');
  }
  return row.response;
}

/** Stores the response with its key, in the transaction that saves what the response describes. */
export async function completeKey(tx: EntityManager, claim: IdempotencyClaim, response: unknown): Promise<void> {
  await tx.execute(
    `insert into idempotency_key (customer_id, key, request_hash, response, created_at, expires_at)
     values (?, ?, ?, ?, now(), now() + interval '${KEEP_FOR}')
     on conflict (customer_id, key) do update
       set request_hash = excluded.request_hash, response = excluded.response,
           created_at = excluded.created_at, expires_at = excluded.expires_at`,
    [claim.customerId, claim.key, claim.requestHash, JSON.stringify(response)],
  );
}

/** Forgets keys older than their retention. */
export async function deleteExpiredKeys(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ key: string }[]>(
    'delete from idempotency_key where expires_at < now() returning key',
  );
  return rows.length;
}

/** A 64-bit advisory lock id for (customer, key); a collision would only cause a spurious 409. */
function lockId(claim: IdempotencyClaim): string {
  return createHash('sha256')
    .update(claim.customerId)
    .update('\u0000')
    .update(claim.key)
    .digest()
    .readBigInt64BE(0)
    .toString();
}
