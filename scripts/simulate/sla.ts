// `npm run simulate:sla -- [--leads 300] [--days 30] [--seed 1] [--median-minutes 4] [--p90-minutes 30]
// [--hold-days 5] [--json]`
// What each first-contact SLA setting costs the demo team (issue 22 item 3): the same synthetic leads
// routed by the real rules — chooseRep (rules/choose-rep.ts) on the demo reps of db/seed.ts, the SLA
// of rules/sla-policy.ts, the ops queue after `maxBreaches` (next-step.ts's afterBreach) — once per
// setting, counting SLA breaches (each one a manager notification and a reassignment) and leads
// escalated to the ops queue. A model, not a replay: no Temporal, no Postgres, a clock of its own.
//
// The assumptions (flags): a rep makes first contact a log-normally distributed time after the
// assignment, the same whatever the SLA (median 4 minutes, 90 % within 30: what the team answers
// today, not what a stricter SLA might make it answer); a rep who misses the SLA loses the lead and
// the next rep draws a new time; a contacted lead keeps its rep's capacity for `hold-days` (exponential
// mean) before it closes; a lead nobody can take waits for the next freed place. Arrivals are uniform
// over the days; 25 % HOT, 35 % WARM, 40 % COLD; 10 % VIP; cities from the demo territories.
import { parseArgs } from 'node:util';
import { DEMO_REPS } from '../../db/seed';
import { chooseRep, type RoutingRep, type WorkingHours } from '../../workflows/lead-intake/rules/choose-rep';
import type { Temperature } from '../../workflows/lead-intake/rules/lead';
import { DEFAULT_POLICY, slaMinutesFor, type RoutingPolicy } from '../../workflows/lead-intake/rules/sla-policy';
import { draw } from './random';

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
const CITIES = ['Troy', 'Troy', 'Detroit', 'Birmingham', 'Bloomfield Hills', 'Rochester Hills', 'Southfield', 'Novi'];
const START = Date.parse('2026-03-02T05:00:00Z'); // a Monday, midnight in Detroit

export interface SlaModel {
  leads: number;
  days: number;
  seed: number;
  /** First contact after assignment: median and 90th percentile in minutes (log-normal). */
  medianMinutes: number;
  p90Minutes: number;
  /** Mean days a contacted lead holds its rep's capacity before it closes. */
  holdDays: number;
}

export interface SlaSettingResult {
  setting: string;
  leads: number;
  breaches: number;
  escalated: number;
  /** Contacted by the first rep within the first SLA. */
  metFirstTime: number;
  /** Minutes from arrival to first contact (contacted leads): median and 90th percentile. */
  medianToContact: number;
  p90ToContact: number;
  /** Leads that waited for a free rep at some point. */
  waitedForRep: number;
}

/** The settings ops can choose between (config/env.ts: SLA_BY_TEMPERATURE). */
export const SETTINGS: { name: string; policy: RoutingPolicy }[] = [
  { name: 'standard: 2 min, VIP 15 (default)', policy: DEFAULT_POLICY },
  {
    name: 'by temperature: HOT 2, WARM 60, COLD 240, VIP 15',
    policy: { ...DEFAULT_POLICY, slaBasis: 'by_temperature' },
  },
];

const z90 = 1.2816; // the standard normal's 90th percentile

/** A reproducible log-normal draw with the given median and 90th percentile. */
function lognormal(m: SlaModel, ...about: (string | number)[]): number {
  const u1 = Math.max(draw(m.seed, ...about, 'u1'), 1e-12);
  const u2 = draw(m.seed, ...about, 'u2');
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return m.medianMinutes * Math.exp((Math.log(m.p90Minutes / m.medianMinutes) / z90) * z);
}

interface SimLead {
  index: number;
  arrivesAt: number;
  temperature: Temperature;
  isVip: boolean;
  city: string;
}

function leadsOf(m: SlaModel): SimLead[] {
  return Array.from({ length: m.leads }, (_, index) => {
    const t = draw(m.seed, 'temperature', index);
    return {
      index,
      arrivesAt: START + Math.floor(draw(m.seed, 'arrival', index) * m.days * DAY),
      temperature: t < 0.25 ? 'HOT' : t < 0.6 ? 'WARM' : 'COLD',
      isVip: draw(m.seed, 'vip', index) < 0.1,
      city: CITIES[Math.floor(draw(m.seed, 'city', index) * CITIES.length)]!,
    } satisfies SimLead;
  }).sort((a, b) => a.arrivesAt - b.arrivesAt || a.index - b.index);
}

function demoTeam(): RoutingRep[] {
  return DEMO_REPS.filter((r) => (r.role ?? 'rep') === 'rep').map((r) => ({
    id: r.id,
    role: 'rep',
    active: true,
    territories: r.territories,
    skills: r.skills,
    languages: r.languages,
    performanceTier: r.performance_tier,
    closeRate: r.close_rate ?? 0.35,
    activeLeads: 0,
    maxActiveLeads: r.max_active_leads ?? 15,
    timeZone: 'America/Detroit',
    workingHours: JSON.parse(r.working_hours as string) as WorkingHours,
    timeOff: [],
  }));
}

type SimEvent =
  | { at: number; kind: 'arrive'; lead: SimLead }
  | { at: number; kind: 'contact' | 'deadline'; lead: SimLead; attempt: number; repId: string }
  | { at: number; kind: 'close'; repId: string };

/** One setting over the model's leads: the same leads and the same response draws for every setting. */
export function simulateSetting(m: SlaModel, setting: { name: string; policy: RoutingPolicy }): SlaSettingResult {
  const reps = demoTeam();
  const byId = new Map(reps.map((r) => [r.id, r]));
  const events: SimEvent[] = leadsOf(m).map((lead) => ({ at: lead.arrivesAt, kind: 'arrive', lead }));
  const push = (e: SimEvent) => {
    // Kept sorted by time (stable: equal times in the order pushed).
    let i = events.length;
    while (i > 0 && events[i - 1]!.at > e.at) i--;
    events.splice(i, 0, e);
  };
  const state = new Map<number, { attempt: number; breaches: number; missed: string[]; done: boolean }>();
  const waiting: SimLead[] = [];
  const waited = new Set<number>();
  const toContact: number[] = [];
  let breaches = 0;
  let escalated = 0;
  let metFirstTime = 0;

  const route = (lead: SimLead, now: number): boolean => {
    const s = state.get(lead.index)!;
    const decision = chooseRep(
      {
        city: lead.city,
        needs: ['residential'],
        isVip: lead.isVip,
        excludeRepIds: s.missed,
      },
      reps,
      new Date(now),
    );
    if (!decision.chosenRepId) return false;
    const rep = byId.get(decision.chosenRepId)!;
    rep.activeLeads += 1;
    s.attempt += 1;
    const sla = slaMinutesFor(setting.policy, lead.temperature, lead.isVip) * MINUTE;
    const respondsIn = lognormal(m, 'contact', lead.index, s.attempt) * MINUTE;
    const base = { lead, attempt: s.attempt, repId: rep.id };
    push(
      respondsIn <= sla
        ? { ...base, at: now + respondsIn, kind: 'contact' }
        : { ...base, at: now + sla, kind: 'deadline' },
    );
    return true;
  };
  const freeOne = (repId: string, now: number) => {
    byId.get(repId)!.activeLeads -= 1;
    // The longest-waiting lead takes the freed place if it may.
    for (let i = 0; i < waiting.length; i++) {
      if (route(waiting[i]!, now)) {
        waiting.splice(i, 1);
        return;
      }
    }
  };

  while (events.length > 0) {
    const e = events.shift()!;
    if (e.kind === 'arrive') {
      state.set(e.lead.index, { attempt: 0, breaches: 0, missed: [], done: false });
      if (!route(e.lead, e.at)) {
        waiting.push(e.lead);
        waited.add(e.lead.index);
      }
    } else if (e.kind === 'contact') {
      const s = state.get(e.lead.index)!;
      s.done = true;
      if (s.attempt === 1) metFirstTime += 1;
      toContact.push((e.at - e.lead.arrivesAt) / MINUTE);
      const hold = -Math.log(Math.max(draw(m.seed, 'hold', e.lead.index), 1e-12)) * m.holdDays * DAY;
      push({ at: e.at + hold, kind: 'close', repId: e.repId });
    } else if (e.kind === 'deadline') {
      const s = state.get(e.lead.index)!;
      breaches += 1;
      s.breaches += 1;
      s.missed.push(e.repId);
      const escalate = s.breaches >= setting.policy.maxBreaches;
      if (escalate) {
        escalated += 1;
        s.done = true;
      }
      freeOne(e.repId, e.at);
      if (!escalate && !route(e.lead, e.at)) {
        waiting.push(e.lead);
        waited.add(e.lead.index);
      }
    } else {
      freeOne(e.repId, e.at);
    }
  }
  toContact.sort((a, b) => a - b);
  const q = (p: number) =>
    Math.round((toContact[Math.min(toContact.length - 1, Math.floor(p * toContact.length))] ?? 0) * 10) / 10;
  return {
    setting: setting.name,
    leads: m.leads,
    breaches,
    escalated,
    metFirstTime,
    medianToContact: q(0.5),
    p90ToContact: q(0.9),
    waitedForRep: waited.size,
  };
}

export function slaReport(m: SlaModel, results: SlaSettingResult[]): string {
  const pct = (n: number) => `${((100 * n) / m.leads).toFixed(1)} %`;
  return [
    `${m.leads} leads over ${m.days} days, demo team (db/seed.ts), first contact median ${m.medianMinutes} min, ` +
      `90 % within ${m.p90Minutes} min; seed ${m.seed}`,
    '',
    '| SLA setting | breaches (manager alerts) | per lead | escalated to ops | met by the first rep | to first contact: median / p90 min | waited for a rep |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.setting} | ${r.breaches} | ${(r.breaches / m.leads).toFixed(2)} | ${r.escalated} (${pct(r.escalated)}) | ` +
        `${pct(r.metFirstTime)} | ${r.medianToContact} / ${r.p90ToContact} | ${r.waitedForRep} |`,
    ),
  ].join('\n');
}

function options(): SlaModel & { json: boolean } {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '300' },
      days: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      'median-minutes': { type: 'string', default: '4' },
      'p90-minutes': { type: 'string', default: '30' },
      'hold-days': { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  const model = {
    leads: num('leads', values.leads, 1, 100_000),
    days: num('days', values.days, 1, 365),
    seed: num('seed', values.seed, 0, 2 ** 31),
    medianMinutes: num('median-minutes', values['median-minutes'], 0.1, 1440),
    p90Minutes: num('p90-minutes', values['p90-minutes'], 0.1, 10_080),
    holdDays: num('hold-days', values['hold-days'], 0, 90),
    json: values.json,
  };
  if (model.p90Minutes <= model.medianMinutes) throw new Error('--p90-minutes must be above --median-minutes');
  return model;
}

if (require.main === module) {
  const o = options();
  const results = SETTINGS.map((s) => simulateSetting(o, s));
  console.log(o.json ? JSON.stringify({ model: o, results }, null, 2) : slaReport(o, results));
}
