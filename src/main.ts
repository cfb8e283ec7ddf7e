import { runProcess } from './app/process.js';
import { startAllInOne } from './app/all-in-one.js';

// npm start: API, Socket.IO and the worker in one process.
await runProcess('all-in-one', (deps) => startAllInOne(deps));
