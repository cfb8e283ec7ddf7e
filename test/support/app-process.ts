import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testEnv } from './env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface AppProcess extends SpawnedApp {
  /** The API's URL (not printed by a worker-only process). */
  url: string;
  temporalUiUrl: string;
}

export interface SpawnedApp {
  child: ChildProcess;
  output: () => string;
  /** The exit code, or the signal's name when a signal ended it; settles once all output is read. */
  exited: Promise<number | NodeJS.Signals>;
}

/** The JSON log lines of a process's output (its start-up banner is plain text). */
export function jsonLines(output: string): Record<string, any>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/** Spawns the product the way `npm start` does (node --import tsx src/main.ts), collecting its output. */
export function spawnApp(env: Record<string, string>, nodeArgs: string[] = [], entry = 'src/main.ts'): SpawnedApp {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: '', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal!)),
  );
  return { child, output: () => out, exited };
}

/**
 * Runs the product in its own process, for tests that kill or restart it. Resolves once it printed
 * its URLs.
 */
export async function startAppProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  nodeArgs: string[] = [],
  entry = 'src/main.ts',
): Promise<AppProcess> {
  const app = spawnApp(env, nodeArgs, entry);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app did not start in ${timeoutMs} ms:\n${app.output()}`)),
      timeoutMs,
    );
    const check = () => {
      if (/Temporal UI: .+\n/.test(app.output())) {
        clearTimeout(timer);
        resolve();
      }
    };
    app.child.stdout!.on('data', check);
    void app.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before starting:\n${app.output()}`));
    });
  });
  const out = app.output();
  return {
    ...app,
    url: /API:\s+(\S+)/.exec(out)?.[1] ?? '',
    temporalUiUrl: /Temporal UI:\s+(\S+)/.exec(out)![1],
  };
}

/**
 * The environment of a split role (api / worker) on the run's shared services, on a task queue and
 * Redis stream of its own; `overrides` replaces any of it (another database or Temporal address).
 */
export function splitRoleEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const shared = testEnv();
  return {
    JWT_SECRET: shared.jwtSecret,
    DATABASE_URL: shared.databaseUrl,
    TEMPORAL_ADDRESS: shared.temporalAddress,
    TEMPORAL_TASK_QUEUE: `role-${crypto.randomUUID()}`,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_STREAM_NAME: `chatflow-test:${crypto.randomUUID()}`,
    WORKFLOW_BUNDLE_PATH: shared.workflowBundlePath,
    PORT: '0',
    ...overrides,
  };
}
