// Which rep gets a lead (roadmap 4.4 A-C). Pure (no I/O, no clock: `now` is given): the assignment calls it inside the
// transaction holding the reps' row locks (db/repositories/assignments.ts), so the loads it sees are the loads it changes.
//
// 1. Availability: an active rep (not a manager), not on time off, inside working hours, below
//    capacity, not one who already let this lead's SLA lapse. A returning customer's original rep,
//    when available, takes them before any other rule. VIPs: the top 20 % performers; when
//    none of them can take it (all busy, off, or the one who missed its SLA), the best available
//    rep instead, flagged so the manager is told — a VIP never waits for nobody.
// 2. Skills score per rep: expertise 0.4, territory 0.2, performance 0.2, capacity 0.2 (4.4 A);
//    a rep speaking the lead's language is preferred whenever one is available.
// 3. The band: the reps with the best fit — the lead's own part of the score, expertise 0.4 +
//    territory 0.2. Load never buys a worse fit (issue 22 item 6): it is already the capacity term,
//    and the rotation below balances it.
// 4. Fairness: inside the band, smooth weighted round-robin on credits kept per rep (reps table):
//    every rep in the band earns its weight (top 1.3, standard 1.0, new hire 0.5: 4.4 B), the one
//    with the most credit takes the lead and pays the band's total weight. Shares follow the
//    weights exactly, whatever the leads' lifetimes; a rep who is away earns nothing meanwhile, so
//    coming back is no flood. Premium leads (rules/premium.ts) rotate on a credit of their own, so
//    every rep in the band gets them in turn (4.4 B "Rotate high-value lead assignments").
/** Day → [start, end) local "HH:MM" in the rep's time zone; a missing day is a day off. */
export type WorkingHours = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', [string, string]>>;

export const SCORE_WEIGHTS = { expertise: 0.4, territory: 0.2, performance: 0.2, capacity: 0.2 } as const;
export const TIER_WEIGHTS: Record<string, number> = { top: 1.3, standard: 1.0, new_hire: 0.5 };
/** VIPs go to the top 20 % performers (4.4 C). */
export const VIP_TOP_SHARE = 0.2;
/** A rep's manager is alerted when an assignment takes them to 80 % of capacity (4.4 B). */
export const CAPACITY_ALERT_SHARE = 0.8;

export interface RoutingLead {
  city: string;
  /** Skills the job needs (see neededSkills). */
  needs: string[];
  language?: string;
  isVip: boolean;
  /** A returning customer's original rep: chosen first when available (4.4 C). */
  preferredRepId?: string;
  /** Reps who already breached this lead's SLA. */
  excludeRepIds: string[];
  /** A premium lead (rules/premium.ts): rotated on the premium credit. Set by the assignment from the lead's row. */
  premium?: boolean;
}

export interface RoutingRep {
  id: string;
  role: string;
  active: boolean;
  territories: string[];
  skills: string[];
  languages: string[];
  performanceTier: string;
  closeRate: number;
  activeLeads: number;
  maxActiveLeads: number;
  timeZone: string;
  workingHours: WorkingHours;
  timeOff: { startsAt: Date; endsAt: Date }[];
  /** Round-robin credit (smooth weighted round-robin), 0 for a new rep. */
  rotationCredit?: number;
  /** The same for premium leads. */
  premiumCredit?: number;
}

export interface CandidateScore {
  repId: string;
  score: number;
  expertise: number;
  territory: number;
  performance: number;
  capacity: number;
  language: boolean;
  weight: number;
  activeLeads: number;
  /** expertise × 0.4 + territory × 0.2: what the band compares. */
  fit: number;
  /** Round-robin credit before this decision (premium credit for a premium lead); the most goes first. */
  credit: number;
  inBand: boolean;
}

export interface RoutingDecision {
  chosenRepId: string | null;
  reason: string;
  candidates: CandidateScore[];
  excluded: { repId: string; reason: string }[];
  /** A VIP lead no top-20 % rep could take, routed to the best available rep instead. */
  vipWidened?: boolean;
  /**
   * Nobody available: the earliest moment a rep who is off now (time off, outside working hours)
   * comes back (ISO). A waiting lead looks again then; reps freed otherwise (capacity, a new rep)
   * are signalled.
   */
  nextAvailableAt?: string;
  /** The band's credits after a rotation decision (absent when no rotation was made): written with the assignment. */
  credits?: { repId: string; rotation: number; premium: number }[];
}

/** The skills a lead's job calls for, from what intake and enrichment know. */
export function neededSkills(facts: {
  propertyValue?: number;
  damageSeverity?: string;
  insuranceClaim?: boolean;
  propertyType?: string;
}): string[] {
  const needs = [facts.propertyType === 'commercial' ? 'commercial' : 'residential'];
  if (facts.insuranceClaim) needs.push('insurance_claims');
  if (facts.damageSeverity === 'severe') needs.push('emergency_repair');
  if ((facts.propertyValue ?? 0) > 500_000) needs.push('luxury_residential');
  return needs;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * One formatter per time zone and shape, kept: building an Intl.DateTimeFormat costs ~50 µs, and
 * routing asks for every rep of the team on every decision (it was 5 % of the API+worker process's
 * CPU at 20 leads/s: docs/benchmarks.md). Formatting is pure, so caching changes no decision.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(shape: 'weekday' | 'date', timeZone: string): Intl.DateTimeFormat {
  const key = `${shape} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    const time = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
    f = new Intl.DateTimeFormat(
      'en-US',
      shape === 'weekday'
        ? { timeZone, weekday: 'short', ...time }
        : { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', ...time },
    );
    formatters.set(key, f);
  }
  return f;
}

/** Whether `now` falls inside the rep's working hours, in the rep's own time zone. */
export function withinWorkingHours(hours: WorkingHours, timeZone: string, now: Date): boolean {
  const parts = Object.fromEntries(
    formatterFor('weekday', timeZone)
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const day = DAYS.find((d) => d === parts.weekday?.toLowerCase().slice(0, 3));
  const window = day && hours[day];
  if (!window) return false;
  const local = `${parts.hour}:${parts.minute}`;
  return local >= window[0] && local < window[1];
}

/** The UTC offset of `timeZone` at instant `t` (ms, local minus UTC), to the minute. */
function offsetMs(timeZone: string, t: number): number {
  const p = Object.fromEntries(
    formatterFor('date', timeZone)
      .formatToParts(t)
      .map((x) => [x.type, Number(x.value)]),
  );
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
  return local - (t - (t % 60_000));
}

/** The instant a local wall-clock time in `timeZone` happens (DST gaps land an hour later). */
function zonedInstant(timeZone: string, y: number, m: number, d: number, hhmm: string): number {
  const [hh, mm] = hhmm.split(':').map(Number);
  const wall = Date.UTC(y, m, d, hh!, mm!);
  const first = wall - offsetMs(timeZone, wall);
  const second = wall - offsetMs(timeZone, first);
  return Math.max(first, second);
}

/** When the rep's working hours next begin after `now` (within a week), or undefined if they never do. */
export function nextWorkingStart(hours: WorkingHours, timeZone: string, now: Date): Date | undefined {
  const today = new Date(now.getTime() + offsetMs(timeZone, now.getTime()));
  for (let ahead = 0; ahead <= 7; ahead++) {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + ahead));
    const window = hours[DAYS[date.getUTCDay()]!];
    if (!window) continue;
    const start = zonedInstant(timeZone, date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), window[0]);
    if (start > now.getTime()) return new Date(start);
  }
  return undefined;
}

/** When a rep who is off now (time off, outside hours) is back; undefined for other reasons or never. */
function backAt(rep: RoutingRep, now: Date): Date | undefined {
  const off = rep.timeOff.filter((t) => t.startsAt <= now && now < t.endsAt);
  if (off.length > 0) return new Date(Math.max(...off.map((t) => t.endsAt.getTime())));
  if (!withinWorkingHours(rep.workingHours, rep.timeZone, now))
    return nextWorkingStart(rep.workingHours, rep.timeZone, now);
  return undefined;
}

function unavailability(rep: RoutingRep, lead: RoutingLead, now: Date): string | undefined {
  if (rep.role !== 'rep') return 'not a sales rep';
  if (!rep.active) return 'inactive';
  if (lead.excludeRepIds.includes(rep.id)) return 'already missed this lead’s SLA';
  if (rep.timeOff.some((t) => t.startsAt <= now && now < t.endsAt)) return 'on time off';
  if (!withinWorkingHours(rep.workingHours, rep.timeZone, now)) return 'outside working hours';
  if (rep.activeLeads >= rep.maxActiveLeads) return `at capacity (${rep.activeLeads}/${rep.maxActiveLeads})`;
  return undefined;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

export function chooseRep(lead: RoutingLead, reps: RoutingRep[], now: Date): RoutingDecision {
  const excluded: RoutingDecision['excluded'] = [];
  let available = reps.filter((rep) => {
    const why = unavailability(rep, lead, now);
    if (why) excluded.push({ repId: rep.id, reason: why });
    return !why;
  });

  // A returning customer goes back to the rep who sold them whenever that rep is available (4.4 C
  // `previous_customer` → `assign_to_original_rep`), top 20 % or not: the VIP filter below is for
  // the other triggers, and for a returning VIP whose rep cannot take them.
  const original = lead.preferredRepId ? available.find((rep) => rep.id === lead.preferredRepId) : undefined;

  let vipWidened = false;
  if (lead.isVip && !original && available.length > 0) {
    // Top 20 % by close rate among the whole routable team, not just those free right now.
    const team = reps
      .filter((r) => r.role === 'rep' && r.active)
      .sort((a, b) => b.closeRate - a.closeRate || a.id.localeCompare(b.id));
    const top = new Set(team.slice(0, Math.max(1, Math.ceil(team.length * VIP_TOP_SHARE))).map((r) => r.id));
    // No top performer can take it: the best of everyone available, rather than nobody at all.
    vipWidened = !available.some((rep) => top.has(rep.id));
    if (!vipWidened) {
      available = available.filter((rep) => {
        if (!top.has(rep.id)) excluded.push({ repId: rep.id, reason: 'VIP lead: not in the top 20 % performers' });
        return top.has(rep.id);
      });
    }
  }

  const bestCloseRate = Math.max(0, ...available.map((r) => r.closeRate));
  const candidates: CandidateScore[] = available.map((rep) => {
    const expertise = lead.needs.length
      ? lead.needs.filter((n) => rep.skills.includes(n)).length / lead.needs.length
      : 0;
    const territory = rep.territories.some((t) => t.toLowerCase() === lead.city.toLowerCase()) ? 1 : 0;
    const performance = bestCloseRate > 0 ? rep.closeRate / bestCloseRate : 0;
    const capacity = 1 - rep.activeLeads / rep.maxActiveLeads;
    const score =
      expertise * SCORE_WEIGHTS.expertise +
      territory * SCORE_WEIGHTS.territory +
      performance * SCORE_WEIGHTS.performance +
      capacity * SCORE_WEIGHTS.capacity;
    const weight = TIER_WEIGHTS[rep.performanceTier] ?? 1;
    const language = !lead.language || rep.languages.some((l) => l.toLowerCase() === lead.language!.toLowerCase());
    return {
      repId: rep.id,
      score: round(score),
      expertise: round(expertise),
      territory,
      performance: round(performance),
      capacity: round(capacity),
      language,
      weight,
      activeLeads: rep.activeLeads,
      fit: round(expertise * SCORE_WEIGHTS.expertise + territory * SCORE_WEIGHTS.territory),
      credit: round((lead.premium ? rep.premiumCredit : rep.rotationCredit) ?? 0),
      inBand: false,
    };
  });

  const widenedNote = 'VIP lead: no top-20 % performer available, widened to the best available rep; ';
  const decided = (chosenRepId: string | null, reason: string): RoutingDecision => ({
    chosenRepId,
    reason: vipWidened ? widenedNote + reason : reason,
    candidates,
    excluded,
    ...(vipWidened && { vipWidened }),
  });
  if (candidates.length === 0) {
    const back = reps
      .filter((r) => r.role === 'rep' && r.active && !lead.excludeRepIds.includes(r.id))
      .map((r) => backAt(r, now)?.getTime())
      .filter((t): t is number => t !== undefined);
    const next = back.length > 0 ? new Date(Math.min(...back)).toISOString() : undefined;
    return { ...decided(null, 'no rep available'), ...(next && { nextAvailableAt: next }) };
  }

  const preferred = lead.preferredRepId && candidates.find((c) => c.repId === lead.preferredRepId);
  if (preferred) {
    preferred.inBand = true;
    return decided(preferred.repId, 'returning customer: back to their original rep');
  }

  // Language first: a rep the customer can talk to, whenever one is available.
  const speakers = candidates.filter((c) => c.language);
  const pool = speakers.length > 0 ? speakers : candidates;
  const bestFit = Math.max(...pool.map((c) => c.fit));
  const band = pool.filter((c) => c.fit === bestFit);
  for (const c of band) c.inBand = true;
  // Most credit first; the score (performance, free capacity) only breaks a tie.
  band.sort((a, b) => b.credit - a.credit || b.score - a.score || a.repId.localeCompare(b.repId));
  const chosen = band[0]!;
  const languageNote = lead.language && speakers.length === 0 ? `; nobody available speaks ${lead.language}` : '';
  const rotation = lead.premium ? 'premium rotation' : 'rotation';
  return {
    ...decided(
      chosen.repId,
      `best fit ${bestFit} band ${band.length}: ${rotation} credit ${chosen.credit}${languageNote}`,
    ),
    credits: rotate(band, chosen.repId, lead.premium ?? false, reps),
  };
}

/**
 * Smooth weighted round-robin: everyone in the band earns their weight, the chosen rep pays the
 * band's total. A premium lead moves both credits: it is a lead like any other for the overall
 * shares, and a premium one for the premium shares.
 */
function rotate(
  band: CandidateScore[],
  chosenRepId: string,
  premium: boolean,
  reps: RoutingRep[],
): NonNullable<RoutingDecision['credits']> {
  const total = band.reduce((sum, c) => sum + c.weight, 0);
  const byId = new Map(reps.map((r) => [r.id, r]));
  const step = (credit: number | undefined, c: CandidateScore) =>
    round((credit ?? 0) + c.weight - (c.repId === chosenRepId ? total : 0));
  return band.map((c) => {
    const rep = byId.get(c.repId)!;
    return {
      repId: c.repId,
      rotation: step(rep.rotationCredit, c),
      premium: premium ? step(rep.premiumCredit, c) : round(rep.premiumCredit ?? 0),
    };
  });
}

/** Applies a decision's credits to the reps it was made on (in-memory teams: tests, the simulator). */
export function applyCredits(reps: RoutingRep[], decision: RoutingDecision): void {
  for (const c of decision.credits ?? []) {
    const rep = reps.find((r) => r.id === c.repId);
    if (rep) Object.assign(rep, { rotationCredit: c.rotation, premiumCredit: c.premium });
  }
}
