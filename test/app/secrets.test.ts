import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitRoleEnv, startAppProcess } from '../support/app-process.js';

/** Everything a split role needs but the secret, so the secret is the only thing missing. */
function sharedServices() {
  const { JWT_SECRET: _none, ...env } = splitRoleEnv({ DATA_DIR: mkdtempSync(join(tmpdir(), 'chatflow-secrets-')) });
  return env;
}

const HOW_TO = 'openssl rand -base64 48';

describe('no publicly known secret guards a network', () => {
  it.each([
    [
      'the api role',
      'src/api.ts',
      {},
      'Cannot start the api role: JWT_SECRET is required: this role runs beside other processes, which must share it.',
    ],
    [
      'the worker role',
      'src/worker.ts',
      {},
      'Cannot start the worker role: JWT_SECRET is required: this role runs beside other processes, which must share it.',
    ],
    [
      'NODE_ENV=production',
      'src/main.ts',
      { NODE_ENV: 'production' },
      'Cannot start the all-in-one role: JWT_SECRET is required: NODE_ENV is production.',
    ],
    [
      'a non-loopback HOST',
      'src/main.ts',
      { HOST: '0.0.0.0' },
      'Cannot start the all-in-one role: JWT_SECRET is required: HOST 0.0.0.0 is reachable from the network.',
    ],
  ])('%s refuses to start without JWT_SECRET, saying how to make one', async (_, entry, env, message) => {
    const start = startAppProcess({ ...sharedServices(), ...env }, 30_000, [], entry);
    await expect(start).rejects.toThrow(/exited with 1 before starting/);
    const output = await start.catch((err: Error) => err.message);
    expect(output).toContain(message);
    expect(output).toContain(HOW_TO);
  });

  it.each([
    ['a short one', 'x'.repeat(31)],
    ['a known placeholder', 'dev-secret-change-me'],
    ['the old compose default', 'change-me'],
  ])('every role refuses %s', async (_, secret) => {
    for (const entry of ['src/main.ts', 'src/api.ts']) {
      const start = startAppProcess({ ...sharedServices(), JWT_SECRET: secret }, 30_000, [], entry);
      const output = await start.then(
        () => 'started',
        (err: Error) => err.message,
      );
      expect(output).toContain('JWT_SECRET is too weak: it must be a random secret of at least 32 characters.');
      expect(output).toContain(HOW_TO);
    }
  });
});

describe('credentials never reach the output', () => {
  it('prints the LLM base URL without its user, password or query values', async () => {
    const app = await startAppProcess({
      ...splitRoleEnv({ DATA_DIR: mkdtempSync(join(tmpdir(), 'chatflow-secrets-')) }),
      OPENAI_BASE_URL: 'http://sk-user:sk-password@127.0.0.1:9/v1?api-key=sk-query&api-version=2024',
    });
    try {
      expect(app.output()).toContain('LLM:         http://***:***@127.0.0.1:9/v1?api-key=***&api-version=***\n');
      expect(app.output()).not.toMatch(/sk-user|sk-password|sk-query/);
    } finally {
      app.child.kill('SIGTERM');
      const code = await app.exited;
      expect({ code, output: code === 0 ? '' : app.output() }).toEqual({ code: 0, output: '' });
    }
  });
});
