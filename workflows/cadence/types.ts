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

/**
 * The defaults config/env.ts also documents: at most 20 touches (a safety limit above the roadmap's
 * fixed 16-touch sequence, docs/cadences.md), at least 12 h apart, a PAUSE of at least 21 days,
 * a 30-day cooldown.
 */
export const DEFAULT_CADENCE_SETTINGS: CadenceSettings = {
  policy: { maxTouches: 20, minGapDays: 0.5, pauseMinDays: 21 },
  cooldownDays: 30,
  touchesPerRun: 10,
};

/** What ACCELERATE did for the people side (issue 22 item 13): who was looped in, who was asked for the proposal. */
export interface AccelerateOutcome {
  /** The lead's rep (the lead's row; the cadence's own when the lead has none) and their tier. */
  repId: string | null;
  repTier: string | null;
  /** The top performer told to join; null when the rep is one, or nobody top-tier is active. */
  loopedIn: string | null;
  /** Who got the proposal request (`rep:<id>` or `ops`). */
  proposalRequestedOf: string;
}

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
  /** The first ACCELERATE of this cadence: a top performer looped in, the proposal asked for (once). */
  accelerated?: AccelerateOutcome & { at: string };
  next?: PlannedTouch & { at: string; variant: string };
  ended?: string;
}
