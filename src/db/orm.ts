import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely';
import { Chatbot } from '../modules/chatbots/chatbot.entity.js';
import { Conversation } from '../modules/conversations/conversation.entity.js';
import { Message } from '../modules/messages/message.entity.js';
import { migrations } from './migrations/index.js';

export interface DatabaseOptions {
  /** A PostgreSQL URL; without one the app embeds PGlite with its files under `dataDir`. */
  url?: string;
  dataDir: string;
  debug?: boolean;
}

/** Opens the ORM and brings the schema up to date; every process runs pending migrations on start. */
export async function createOrm(options: DatabaseOptions): Promise<MikroORM> {
  const orm = await MikroORM.init({
    entities: [Chatbot, Conversation, Message],
    extensions: [Migrator],
    ...(options.url ? { clientUrl: options.url } : embedded(options.dataDir)),
    pool: { min: 0, max: 10 },
    migrations: { migrationsList: migrations, transactional: true, snapshot: false, silent: true },
    debug: options.debug ?? false,
    ensureDatabase: false,
  });
  await orm.migrator.up();
  return orm;
}

function embedded(dataDir: string) {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return { dbName: 'postgres', driverOptions: new PGliteDialect({ pglite: new PGlite(dir) }) };
}
