import { runProcess } from './process.js';
import { startWorker } from './runtime.js';

// The worker role of the split topology (needs DATABASE_URL, TEMPORAL_ADDRESS and REDIS_URL).
await runProcess('worker', (deps) => startWorker(deps), { split: true });
