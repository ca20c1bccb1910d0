// The cadence's vocabulary. Pure data: safe to import from workflow code.
import type { CadenceChannel, CadencePolicy, EngagementEvent, PlannedTouch } from './plan';

export interface CadenceInput {
  leadId: string;
  contactId: string;
  policy?: CadencePolicy;
  connected?: { messenger: boolean; nextdoor: boolean };
}

export interface CadenceStatus {
  leadId: string;
  /** When day 0 began (ms since epoch, workflow clock). */
  startedAt: number;
  touches: { day: number; channel: CadenceChannel }[];
  events: EngagementEvent[];
  blocked: CadenceChannel[];
  paused: boolean;
  next?: PlannedTouch;
  ended?: string;
}
