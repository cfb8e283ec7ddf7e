import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { testEnv } from '../support/env.js';

/**
 * Flows that started under the code before the restructure must go on under this one: a worker
 * replays their recorded history before it runs their next step, and a step that the history names
 * differently would fail that flow's task forever (a conversation stuck behind it). These are the
 * recorded histories of two flows run by the earlier code (test/fixtures): one answered (route,
 * generate, deliver, its result carrying `announced`) and one skipped (route, then the step that
 * finished its turn, then named `finish`). Replaying them with today's workflow must not throw.
 */
// Read with @temporalio/proto's own protobufjs: the SDK's JSON reader (historyFromJSON) fails
// here on a second, nested protobufjs copy ("type must be a Type").
const fixture = (name: string) =>
  proto.temporal.api.history.v1.History.fromObject(
    JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8')) as object,
  );

describe('flows recorded before the restructure replay under today’s workflow', () => {
  it.each(['history-replied-before-restructure', 'history-skipped-before-restructure'])('%s', async (name) => {
    const replay = Worker.runReplayHistory(
      { workflowBundle: { code: readFileSync(testEnv().workflowBundlePath, 'utf8') } },
      fixture(name),
    );
    await expect(replay).resolves.toBeUndefined();
  });
});
