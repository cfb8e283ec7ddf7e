import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { migrations } from '../../src/db/migrations/index.js';
import { splitRoleEnv, startAppProcess, type AppProcess } from '../support/app-process.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';

const processes: AppProcess[] = [];
let db: ScratchDatabase | undefined;

afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
  await db?.drop();
});

describe('roles started together on a fresh database', () => {
  it('all start: one runs the migrations, the others wait for it and find nothing left to do', async () => {
    db = await createScratchDatabase('migrate');
    const env = splitRoleEnv({ DATABASE_URL: db.url });
    // As compose starts them: API processes and a worker at the same moment.
    const starts = ['src/api.ts', 'src/api.ts', 'src/api.ts', 'src/worker.ts'].map((entry) =>
      startAppProcess(env, 60_000, [], entry),
    );
    const results = await Promise.allSettled(starts);
    for (const result of results) if (result.status === 'fulfilled') processes.push(result.value);
    expect(results.map((r) => (r.status === 'fulfilled' ? 'started' : String(r.reason)))).toEqual([
      'started',
      'started',
      'started',
      'started',
    ]);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const applied = await client.query<{ name: string }>('select name from mikro_orm_migrations order by id');
      expect(applied.rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
    } finally {
      await client.end();
    }
  });
});
