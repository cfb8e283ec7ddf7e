import { runProcess } from './app/process.js';
import { startWorker } from './app/worker-role.js';

// The worker role of the split topology (needs DATABASE_URL, TEMPORAL_ADDRESS and REDIS_URL).
await runProcess('worker', (deps) => startWorker(deps), { split: true });
