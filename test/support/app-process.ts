import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  /** The API's URL (not printed by a worker-only process). */
  url: string;
  temporalUiUrl: string;
  exited: Promise<number | null>;
}

/**
 * Runs the product the way `npm start` does (tsx src/main.ts) in its own process, for tests that
 * kill or restart it. Resolves once it printed its URLs.
 */
export async function startAppProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  nodeArgs: string[] = [],
  entry = 'src/main.ts',
): Promise<AppProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: '', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      if (/Temporal UI: .+\n/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before starting:\n${out}`));
    });
  });
  await started;
  return {
    child,
    output: () => out,
    url: /API:\s+(\S+)/.exec(out)?.[1] ?? '',
    temporalUiUrl: /Temporal UI:\s+(\S+)/.exec(out)![1]!,
    exited,
  };
}
