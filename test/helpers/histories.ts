// Kept histories: scenario tests save the history of each run when RECORD_HISTORIES=1, and the
// replay test feeds every saved history to the current workflow code.
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const historiesDir = path.resolve(__dirname, '..', 'histories');

export async function keepHistory(handle: WorkflowHandle, workflowType: string, scenario: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const dir = path.join(historiesDir, workflowType);
  fs.mkdirSync(dir, { recursive: true });
  // The same JSON as `temporal workflow show --output json`, so either source can be kept here.
  // Proto3 JSON, as `temporal workflow show --output json` writes it: either source can be kept here.
  fs.writeFileSync(
    path.join(dir, `${scenario}.json`),
    JSON.stringify(JSON.parse(historyToJSON(history)), null, 1) + '\n',
  );
}

/** Every kept history, as [workflowType/scenario, parsed JSON]. */
export function loadHistories(): { name: string; history: unknown }[] {
  return fs
    .readdirSync(historiesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(historiesDir, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({
          name: `${d.name}/${f}`,
          history: JSON.parse(fs.readFileSync(path.join(historiesDir, d.name, f), 'utf8')) as unknown,
        })),
    );
}
