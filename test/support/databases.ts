import pg from 'pg';

const adminUrl = () => process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  url: string;
  /** Row counts of every table in the public schema (the app's migrations included). */
  tableCounts(): Promise<Record<string, number>>;
  drop(): Promise<void>;
}

/** A fresh database of a suite's own on the local server, for suites that count every row. */
export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = `chatflow_${label}_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = Object.assign(new URL(adminUrl()), { pathname: `/${name}` }).toString();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle connection the server closes is simply dropped (pg would otherwise throw it at the suite).
  pool.on('error', () => undefined);
  return {
    url,
    async tableCounts() {
      const tables = await pool.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
      const counts: Record<string, number> = {};
      for (const { table_name } of tables.rows) {
        counts[table_name] = (await pool.query(`select count(*)::int as n from "${table_name}"`)).rows[0].n;
      }
      return counts;
    },
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
