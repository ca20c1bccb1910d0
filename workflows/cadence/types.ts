// The cadence's vocabulary. Pure data: safe to import from workflow code.
import type { CadenceChannel, CadencePolicy, EngagementEvent, PlannedTouch } from './rules/plan';

export interface CadenceInput {
  leadId: string;
  /** The person (default: the lead's contact, looked up when the cadence begins). */
  contactId?: string;
  /** The rep holding the lead: ops can pause every cadence of a rep. */
  repId?: string;
  /** A name from definitions.ts (default `standard`). */
  definition?: string;
  /** Overrides the worker's settings (tests, the simulator). */
  settings?: Partial<CadenceSettings>;
  connected?: { messenger: boolean; nextdoor: boolean };
}

/** What the workers configure (config/env.ts: CADENCE_*). */
export interface CadenceSettings {
  policy: CadencePolicy;
  cooldownDays: number;
  touchesPerRun: number;
}

/** The defaults config/env.ts also documents: 12 touches at least 12 h apart, 30-day cooldown. */
export const DEFAULT_CADENCE_SETTINGS: CadenceSettings = {
  policy: { maxTouches: 12, minGapDays: 0.5 },
  cooldownDays: 30,
  touchesPerRun: 10,
};

export interface CadenceTouch {
  /** Active days since the start (time paused does not count). */
  day: number;
  channel: CadenceChannel;
  step: string;
  variant: string;
  messageId: string;
}

export interface CadenceStatus {
  leadId: string;
  contactId?: string;
  /** The run's key in Postgres: workflow id + first run id. */
  cadenceId: string;
  definition: string;
  settings: CadenceSettings;
  /** When day 0 began (ms since epoch, workflow clock). */
  startedAt: number;
  /** Time spent paused (ops, holds, out of office): the plan's days do not count it. */
  pausedMs: number;
  touches: CadenceTouch[];
  events: EngagementEvent[];
  blocked: CadenceChannel[];
  paused: boolean;
  /** Why it is paused: an ops hold, an out-of-office reply… */
  pausedBecause?: string;
  /** Since when it is paused (ms since epoch). */
  pausedSince?: number;
  /** An ops hold (Postgres) paused it: checked again daily in case its release was missed. */
  heldBy?: string;
  /** An out-of-office reply: nothing is sent before this (ms since epoch). */
  awayUntil?: number;
  /** Workflow runs so far (continue-as-new). */
  runs: number;
  /**
   * What identifies the last engagement signals counted (a message event's message, event and time;
   * an engagement's ref): delivery is at least once, and a repeat is counted once. The last SIGNALS_REMEMBERED.
   */
  counted?: string[];
  next?: PlannedTouch & { at: string; variant: string };
  ended?: string;
}
