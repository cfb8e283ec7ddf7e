import { runProcess } from './app/process.js';
import { startApi } from './app/api-role.js';

// The API role of the split topology (needs DATABASE_URL, TEMPORAL_ADDRESS and REDIS_URL).
await runProcess('api', (deps) => startApi(deps), { split: true });
