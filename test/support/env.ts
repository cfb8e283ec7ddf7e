/** What global setup hands to every test file (through the environment: test files run in other contexts). */
export interface TestEnv {
  temporalAddress: string;
  /** The Web UI of that server: what the apps' `links` point into. */
  temporalUiUrl: string;
  databaseUrl: string;
  workflowBundlePath: string;
  jwtSecret: string;
}

const KEY = 'CHATFLOW_TEST_ENV';

export function publishTestEnv(env: TestEnv): void {
  process.env[KEY] = JSON.stringify(env);
}

export function testEnv(): TestEnv {
  const raw = process.env[KEY];
  if (!raw) throw new Error('Test environment missing: run the tests through jest (global setup).');
  return JSON.parse(raw) as TestEnv;
}
