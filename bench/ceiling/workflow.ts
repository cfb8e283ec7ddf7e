import { proxyActivities } from '@temporalio/workflow';

const { touch } = proxyActivities<{ touch(id: string): Promise<void> }>({ startToCloseTimeout: '10s' });

/** The bare engine: a workflow of three trivial activities, each touching PostgreSQL. */
export async function CeilingWorkflow(id: string): Promise<void> {
  await touch(id);
  await touch(id);
  await touch(id);
}
