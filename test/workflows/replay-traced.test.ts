// Turning tracing on (OTEL_EXPORTER_OTLP_ENDPOINT) must not break the workflows already running: every
// kept history under test/histories — all recorded without tracing — replays against today's code
// with the OpenTelemetry workflow interceptors bundled and their span sink registered, as a traced
// worker runs them. (replay.test.ts proves the replay check itself can fail.)
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTracing } from '../../temporal/tracing';
import { bundleWorkflows } from '../../workers/worker';
import { loadHistories } from '../helpers/histories';
import { testLogger } from '../helpers/logger';
import '../helpers/temporal';

const exporter = new InMemorySpanExporter();
const tracing = installTracing({ serviceName: 'replay', spanProcessor: new SimpleSpanProcessor(exporter) });

describe('kept histories replay with tracing on', () => {
  let workflowBundle: { code: string };
  beforeAll(async () => {
    workflowBundle = await bundleWorkflows(testLogger);
  });

  it('bundles the tracing interceptors', () => {
    expect(workflowBundle.code).toContain('@temporalio/interceptor-workflow');
  });

  it.each(loadHistories().map((h) => [h.name, h.history] as const))(
    '%s replays without non-determinism',
    async (name, json) => {
      await Worker.runReplayHistory({ workflowBundle, replayName: name, sinks: tracing.sinks }, historyFromJSON(json));
    },
  );

  it('exports nothing while replaying: spans leave the sandbox only on a first execution', () => {
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
