import { runProcess } from './process.js';
import { startAllInOne } from './runtime.js';

// npm start: API, Socket.IO and the worker in one process.
await runProcess('all-in-one', (deps) => startAllInOne(deps));
