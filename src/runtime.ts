import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { Deps } from './deps.js';
import { createApp } from './http/app.js';
import { createMessageService } from './modules/messages/message.service.js';
import { createGateway } from './realtime/gateway.js';
import { createSocketPublisher } from './realtime/publisher.js';
import { createFlowInspector, createFlowStarter, createTurnNotifier } from './temporal/flows.js';
import { startOutboxSweeper } from './temporal/outbox-sweeper.js';
import { cachedWorkflowBundle } from './temporal/workflow-bundle.js';

export interface Running {
  url: string;
  stop(): Promise<void>;
}

/** All in one process: HTTP API, Socket.IO gateway and the Temporal worker on one task queue. */
export async function startAllInOne(deps: Deps, options: { workflowBundle?: WorkflowBundleOption } = {}): Promise<Running> {
  const { config, orm, logger } = deps;
  const startFlow = createFlowStarter(deps.client, {
    taskQueue: config.temporal.taskQueue,
    eager: true,
    timeoutMs: config.temporal.startTimeoutMs,
    turnRecheckSeconds: config.temporal.turnRecheckSeconds,
  });
  // Socket.IO takes over its own path from the request listener present when it attaches; the
  // listener forwards everything else to Koa, which needs the publisher that needs Socket.IO.
  let handleRequest: RequestListener = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handleRequest(req, res));
  const io = createGateway(http, { orm, jwtSecret: config.jwtSecret, logger });
  const publisher = createSocketPublisher(io);
  const messages = createMessageService({ startFlow, publisher, logger });
  handleRequest = createApp({ orm, messages, jwtSecret: config.jwtSecret, logger }).callback();

  const worker = await Worker.create({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: options.workflowBundle ?? { codePath: config.workflowBundlePath ?? (await cachedWorkflowBundle(config.dataDir)) },
    activities: createActivities({
      orm,
      publisher,
      llm: deps.llm,
      notifyTurn: createTurnNotifier(deps.client, logger),
      flowIsOpen: createFlowInspector(deps.client),
      history: { maxMessages: config.llm.historyMaxMessages, maxChars: config.llm.historyMaxChars },
    }),
    shutdownGraceTime: '5s',
  });
  const workerDone = worker.run();
  workerDone.catch((err) => logger.error('worker stopped', { err }));
  const sweeper = startOutboxSweeper({ orm, startFlow, logger, ...config.outbox });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await sweeper.stop();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      worker.shutdown();
      await workerDone.catch(() => undefined);
    },
  };
}

