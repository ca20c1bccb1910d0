// The figures of a fault test (docs/reliability.md): messages due, delivered, duplicates, lost and
// unlawful, counted from what the provider was given; or, for a dependency stopped and restarted,
// the workflows in flight, lost and stuck and the recovery time. Each scenario prints one line
// `[fault-figures] {json}` (and appends it to the file FAULT_FIGURES names, when set), so the
// document can be refreshed from a run.
import fs from 'node:fs';

export interface FaultFigures {
  scenario: string;
  /** Messages that had to go out: each one exactly once. */
  due: number;
  /** Due messages the provider got (counted once each). */
  delivered: number;
  /** Provider deliveries beyond the first of a message. */
  duplicates: number;
  /** Due messages the provider never got. */
  lost: number;
  /** Deliveries of messages that must not go out (after a STOP for that number). */
  unlawful: number;
  /** Deliveries of messages the scenario neither expected nor forbade (should be none). */
  unexpected: number;
}

/** A dependency (Temporal, Postgres) stopped and started again under the system. */
export interface RecoveryFigures {
  scenario: string;
  /** Workflows running when it stopped, each with a step still to take (a timer, an activity). */
  inFlight: number;
  /** Workflows (or leads the API acknowledged) not found afterwards. */
  lost: number;
  /** Workflows in flight that had not taken their next step when the test stopped waiting. */
  stuck: number;
  /** How long it was down, seconds. */
  downSeconds: number;
  /** From the restart until every workflow in flight had taken its next step, seconds. */
  recoverySeconds: number;
}

/**
 * Counts from the provider's side: `deliveries` is one key per provider call (a message given twice
 * appears twice); `due` the keys that must be delivered once; `forbidden` the keys that must never be.
 */
export function figuresOf(
  scenario: string,
  input: { due: Iterable<string>; deliveries: Iterable<string>; forbidden?: Iterable<string> },
): FaultFigures {
  const due = new Set(input.due);
  const forbidden = new Set(input.forbidden ?? []);
  const calls = new Map<string, number>();
  for (const key of input.deliveries) calls.set(key, (calls.get(key) ?? 0) + 1);
  const delivered = [...due].filter((k) => calls.has(k)).length;
  let duplicates = 0;
  let unlawful = 0;
  let unexpected = 0;
  for (const [key, n] of calls) {
    if (due.has(key)) duplicates += n - 1;
    else if (forbidden.has(key)) unlawful += n;
    else unexpected += n;
  }
  return { scenario, due: due.size, delivered, duplicates, lost: due.size - delivered, unlawful, unexpected };
}

/** Prints the figures as one recognisable line, and appends them to $FAULT_FIGURES when set. */
export function reportFigures(figures: (FaultFigures | RecoveryFigures) & Record<string, unknown>): void {
  const line = JSON.stringify({ ...figures, at: new Date().toISOString() });
  console.log(`[fault-figures] ${line}`);
  if (process.env.FAULT_FIGURES) fs.appendFileSync(process.env.FAULT_FIGURES, `${line}\n`);
}
