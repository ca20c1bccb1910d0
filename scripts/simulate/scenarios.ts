// The stated probabilities the simulator draws recipients' behaviour from. An ops manager edits
// these (or passes flags) to try a cadence change before shipping it; the report prints them.
import type { CadenceChannel } from '../../workflows/cadence/rules/plan';

export interface Scenario {
  name: string;
  /** The cadence definition the leads run (definitions.ts). */
  definition: string;
  /** Share of leads arriving on each of the first days (the rest spread evenly over the window). */
  arrivals: { frontLoadedDays: number; frontLoadedShare: number };
  /** Per message, by channel: opened / clicked if opened / replied if opened / opted out. */
  perMessage: Record<CadenceChannel, { open: number; click: number; reply: number; optOut: number }>;
  /** An automatic out-of-office answer instead of a reply, per message read. */
  outOfOffice: number;
  /** Once a person replied: the lifecycle that follows (each given the previous step). */
  afterReply: {
    inspection: number;
    quoteOpened: number;
    competitor: number;
    win: number;
    review: number;
    referral: number;
  };
}

const base: Scenario = {
  name: 'baseline',
  definition: 'standard',
  arrivals: { frontLoadedDays: 0, frontLoadedShare: 0 },
  perMessage: {
    email: { open: 0.35, click: 0.25, reply: 0.06, optOut: 0.01 },
    sms: { open: 0.9, click: 0.08, reply: 0.05, optOut: 0.02 },
    call: { open: 0.3, click: 0, reply: 0.25, optOut: 0.005 },
    postcard: { open: 0.5, click: 0.05, reply: 0.03, optOut: 0 },
    messenger: { open: 0.6, click: 0.1, reply: 0.08, optOut: 0.01 },
    nextdoor: { open: 0.3, click: 0.05, reply: 0.02, optOut: 0 },
  },
  outOfOffice: 0.02,
  afterReply: { inspection: 0.6, quoteOpened: 0.8, competitor: 0.2, win: 0.45, review: 0.5, referral: 0.25 },
};

/** After a hail storm: most leads in the first three days, people answer more, the storm cadence. */
const storm: Scenario = {
  ...base,
  name: 'storm',
  definition: 'storm',
  arrivals: { frontLoadedDays: 3, frontLoadedShare: 0.8 },
  perMessage: Object.fromEntries(
    Object.entries(base.perMessage).map(([c, p]) => [
      c,
      { ...p, open: Math.min(1, p.open * 1.3), reply: p.reply * 1.6 },
    ]),
  ) as Scenario['perMessage'],
  afterReply: { ...base.afterReply, inspection: 0.75, win: 0.55 },
};

export const SCENARIOS: Record<string, Scenario> = { baseline: base, storm };
