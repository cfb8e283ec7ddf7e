import { summarize, timed } from '../lib/stats.js';
import { user, type BenchContext } from './context.js';
import { send } from '../lib/client.js';

/** Read latency at depth: one conversation with 100,000 messages, cursors against ?page=. */
export async function historyPhase(ctx: BenchContext, depth = 100_000, reads = 500) {
  const opened = await send(ctx.api, {
    chatbotId: ctx.chatbotId,
    externalUserId: user('deep'),
    content: 'deep',
    channel: 'WIDGET',
  });
  const conversationId = opened.conversation.id;
  // Wait for its own reply, then fill the conversation up to `depth` in one statement.
  for (;;) {
    const { rows } = await ctx.app.db.query('select last_seq from conversation where id = $1', [conversationId]);
    if (rows[0].last_seq >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await ctx.app.db.query(
    `insert into message (id, conversation_id, seq, role, content, delivery_status, metadata, created_at, updated_at)
     select gen_random_uuid(), $1, s, case when s % 2 = 1 then 'USER' else 'ASSISTANT' end,
            'history message number ' || s, 'SENT', '{}', now(), now()
       from generate_series(3, $2::int) s`,
    [conversationId, depth],
  );
  await ctx.app.db.query(`update conversation set last_seq = $2 where id = $1`, [conversationId, depth]);
  await ctx.app.db.query(
    `update message set turn_finished_at = now(), turn_started_at = now() where conversation_id = $1 and role = 'USER'`,
    [conversationId],
  );
  // The fill is setup: settle it (hint bits, visibility map, statistics) instead of measuring the
  // autovacuum our own bulk insert would trigger in the middle of the reads.
  await ctx.app.db.query('vacuum analyze message');

  const read = async (query: string) => {
    // Steady state: the first reads of a code path pay for JIT compilation, not for depth.
    for (let i = 0; i < 50; i++) await ctx.api('GET', `/messages/conversation/${conversationId}?${query}`);
    const samples: number[] = [];
    for (let i = 0; i < reads; i++) {
      const [ms, res] = await timed(() => ctx.api('GET', `/messages/conversation/${conversationId}?${query}`));
      if (res.status !== 200 || (res.body.data as any[]).length === 0)
        throw new Error(`history read ${query}: ${res.status}`);
      samples.push(ms);
    }
    return summarize(samples);
  };
  const lastPage = Math.ceil(depth / 50);
  return {
    depth,
    afterNearStart: await read('after=10&limit=50'),
    afterNearEnd: await read(`after=${depth - 60}&limit=50`),
    beforeNearStart: await read('before=60&limit=50'),
    beforeNearEnd: await read(`before=${depth}&limit=50`),
    pageNearStart: await read('page=1&limit=50'),
    pageNearEnd: await read(`page=${lastPage}&limit=50`),
  };
}
