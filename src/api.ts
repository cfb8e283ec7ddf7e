import { runProcess } from './process.js';
import { startApi } from './runtime.js';

// The API role of the split topology (needs DATABASE_URL, TEMPORAL_ADDRESS and REDIS_URL).
await runProcess('api', (deps) => startApi(deps, { eagerStart: () => false }), { split: true });
