import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, PGliteDialect, sql, type DatabaseConnection } from 'kysely';
import { Chatbot } from '../model/chatbot.entity.js';
import { Conversation } from '../model/conversation.entity.js';
import { Message } from '../model/message.entity.js';
import { migrations } from './migrations/index.js';

export interface DatabaseOptions {
  /** A PostgreSQL URL; without one the app embeds PGlite with its files under `dataDir`. */
  url?: string;
  dataDir: string;
  debug?: boolean;
}

/** Any constant shared by every process of the app: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_ID = 7_460_328_117_046_781_001n;

/**
 * Opens the ORM and brings the schema up to date; every process runs pending migrations on start.
 * Processes starting together (compose starts the API and the workers at once) take turns through
 * a PostgreSQL advisory lock, so the first migrates and the others find nothing left to do.
 */
export async function createOrm(options: DatabaseOptions): Promise<MikroORM> {
  const orm = await MikroORM.init({
    entities: [Chatbot, Conversation, Message],
    extensions: [Migrator],
    ...(options.url
      ? { clientUrl: options.url, onCreateConnection: checkClientWhileWaiting }
      : embedded(options.dataDir)),
    pool: { min: 0, max: 10 },
    migrations: { migrationsList: migrations, transactional: true, snapshot: false, silent: true },
    debug: options.debug ?? false,
    ensureDatabase: false,
  });
  try {
    if (options.url) await migrateInTurn(orm);
    else await orm.migrator.up(); // embedded PGlite belongs to this process alone
  } catch (err) {
    await orm.close();
    throw err;
  }
  return orm;
}

/** Runs pending migrations holding the migration lock (session-level, on one held connection). */
async function migrateInTurn(orm: MikroORM): Promise<void> {
  const lockId = MIGRATION_LOCK_ID.toString();
  await orm.em
    .getConnection()
    .getClient()
    .connection()
    .execute(async (held) => {
      await sql`select pg_advisory_lock(${lockId}::bigint)`.execute(held);
      try {
        await orm.migrator.up();
      } finally {
        await sql`select pg_advisory_unlock(${lockId}::bigint)`.execute(held);
      }
    });
}

/**
 * Has PostgreSQL (14+) check every second that the client of a busy or lock-waiting session is
 * still there: a process that dies mid-transaction then releases its locks (an Idempotency-Key's
 * among them) within a second, instead of whenever its statement would next talk to it.
 */
async function checkClientWhileWaiting(connection: unknown): Promise<void> {
  await (connection as DatabaseConnection).executeQuery(
    CompiledQuery.raw(
      `select set_config('client_connection_check_interval', '1000', false) where current_setting('server_version_num')::int >= 140000`,
    ),
  );
}

function embedded(dataDir: string) {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return { dbName: 'postgres', driverOptions: new PGliteDialect({ pglite: new PGlite(dir) }) };
}
