import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchApp } from '../lib/app.js';

/** Runs the ceiling (its own process) on the app's Temporal server and database; resolves with its figures. */
export function runCeiling(app: BenchApp, env: Record<string, string> = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./ceiling.ts', import.meta.url))],
      {
        env: { ...process.env, TEMPORAL_ADDRESS: app.temporalAddress, DATABASE_URL: app.databaseUrl, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`ceiling exited ${code}`)),
    );
  });
}
