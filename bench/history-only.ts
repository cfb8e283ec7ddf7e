/** Only the history-at-depth case (no ceiling): `node --import tsx bench/history-only.ts [depth]`. */
import { withBenchSession } from './phases/context.js';
import { historyPhase } from './phases/history.js';

const result = await withBenchSession((ctx) => historyPhase(ctx, Number(process.argv[2] ?? 100_000)));
for (const [k, v] of Object.entries(result)) console.log(k.padEnd(16), JSON.stringify(v));
