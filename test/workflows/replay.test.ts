// Every kept history under test/histories replays against today's workflow code: a change that
// would break running workflows (without patched()) fails here.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker';
import { historiesDir, loadHistories } from '../helpers/histories';
import { testLogger } from '../helpers/logger';
import '../helpers/temporal';

describe('kept histories replay', () => {
  let workflowBundle: { code: string };
  beforeAll(async () => {
    workflowBundle = await bundleWorkflows(testLogger);
  });

  const histories = loadHistories();

  it('has histories for every workflow type', () => {
    const types = new Set(histories.map((h) => h.name.split('/')[0]));
    expect([...types].sort()).toEqual([
      'customer-journey',
      'follow-up-cadence',
      'lead-intake',
      'lead-intake-before-routing',
      'model-retrain',
      'rep-retier',
    ]);
  });

  it.each(histories.map((h) => [h.name, h.history] as const))(
    '%s replays without non-determinism',
    async (name, json) => {
      await Worker.runReplayHistory({ workflowBundle, replayName: name }, historyFromJSON(json));
    },
  );

  it('fails on a history the code cannot have produced (proves the check can fail)', async () => {
    const file = path.join(historiesDir, 'lead-intake-before-routing', 'hot-lead-won.json');
    const tampered = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      events: Record<string, { activityType?: { name: string } }>[];
    };
    const scheduled = tampered.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'sendCarrierPigeon';
    await expect(Worker.runReplayHistory({ workflowBundle }, historyFromJSON(tampered))).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
