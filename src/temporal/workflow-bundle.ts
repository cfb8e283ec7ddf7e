import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const workflowsDir = fileURLToPath(new URL('../../workflows/', import.meta.url));
export const workflowsPath = join(workflowsDir, 'index.ts');
/** Bundled with the workflows: reports each flow's outcome to the worker's metrics (a sink). */
const workflowInterceptorModules = [join(workflowsDir, 'flow-metrics.interceptors.ts')];

/** Bundles the workflow code (webpack) in this process. */
export async function buildWorkflowBundle(): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: silentLogger });
  return { code };
}

/**
 * The workflow bundle's path under `cacheDir`, built when the workflow sources changed. Bundling
 * runs in a child process: webpack would otherwise stay resident in this one (~90 MiB).
 */
export async function cachedWorkflowBundle(cacheDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of readdirSync(workflowsDir).sort()) hash.update(file).update(readFileSync(join(workflowsDir, file)));
  hash.update(
    readFileSync(fileURLToPath(new URL('../../node_modules/@temporalio/workflow/package.json', import.meta.url))),
  );
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, `workflow-bundle-${hash.digest('hex').slice(0, 16)}.js`);
  if (existsSync(path)) return path;

  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `${path}.tmp`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`workflow bundling failed (exit ${code})`)),
    );
  });
  renameSync(`${path}.tmp`, path);
  return path;
}

const silentLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
  log: () => undefined,
};

// As a script: node --import tsx src/temporal/workflow-bundle.ts <output file>
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(process.argv[2], (await buildWorkflowBundle()).code);
}
