// After hours (issue 22 item 5; roadmap 4.4 B "100% lead assignment within 2 minutes", "Respect PTO
// schedules"). Pure: the assignment transaction (db/repositories/assignments.ts) calls it, holding the
// row locks, when the routing rule (choose-rep.ts) found nobody — and only then. The reading:
//
// - "Nobody on shift" means no active rep (not one who missed this lead's SLA) is inside their working
//   hours and off time off right now. A team that is on shift but full is not after hours: the lead
//   waits for a freed place as before.
// - Then the on-call rota decides: whoever is on call now (a rep or a manager, whatever their working
//   hours) and not on time off, below capacity, not one who missed this lead's SLA — the least loaded,
//   then the earliest on call, then by id. The SLA runs from now, as for any assignment.
// - Nobody on call: the lead is assigned now to the rep the routing rule would choose at the first
//   moment someone comes on shift (working hours starting, time off ending), and the SLA starts then.
//   The customer is acknowledged at once (the workflow sends it; workflows/lead-intake/acknowledge.ts).
import type { RoutingDecision, RoutingLead, RoutingRep } from './choose-rep';
import { withinWorkingHours } from './choose-rep';

/** One window of the on-call rota: [startsAt, endsAt). */
export interface OnCallShift {
  personId: string;
  startsAt: Date;
  endsAt: Date;
}

export interface AfterHoursChoice {
  chosenRepId: string;
  via: 'on_call' | 'next_shift';
  /** When the SLA clock starts: now (on call), or the chosen rep's shift start (next shift). */
  slaStartsAt: Date;
  reason: string;
  /** The routing rule's decision at the shift start (next shift): its candidates, for the audit. */
  decision?: RoutingDecision;
}

/** How many "next moment someone is back" steps to try before giving up (a week of shifts and time off). */
const MAX_STEPS = 21;

const onTimeOff = (rep: RoutingRep, at: Date) => rep.timeOff.some((t) => t.startsAt <= at && at < t.endsAt);

/** Whether any rep who could take the lead is on shift now (full or not). */
export function someoneOnShift(lead: RoutingLead, reps: RoutingRep[], now: Date): boolean {
  return reps.some(
    (r) =>
      r.role === 'rep' &&
      r.active &&
      !lead.excludeRepIds.includes(r.id) &&
      !onTimeOff(r, now) &&
      withinWorkingHours(r.workingHours, r.timeZone, now),
  );
}

/**
 * The after-hours assignment, or undefined: someone is on shift (not after hours), or nobody is on
 * call and nobody comes on shift within a week. `people` holds the reps and whoever is on call
 * (managers too), with time off reaching into the future; `choose` is the routing rule.
 */
export function chooseAfterHours(
  lead: RoutingLead,
  people: RoutingRep[],
  rota: OnCallShift[],
  now: Date,
  choose: (lead: RoutingLead, reps: RoutingRep[], at: Date) => RoutingDecision,
): AfterHoursChoice | undefined {
  if (someoneOnShift(lead, people, now)) return undefined;

  const byId = new Map(people.map((p) => [p.id, p]));
  const onCall = rota
    .filter((s) => s.startsAt <= now && now < s.endsAt)
    .map((s) => ({ shift: s, person: byId.get(s.personId) }))
    .filter(
      ({ person: p }) =>
        p && p.active && !onTimeOff(p, now) && !lead.excludeRepIds.includes(p.id) && p.activeLeads < p.maxActiveLeads,
    )
    .sort(
      (a, b) =>
        a.person!.activeLeads - b.person!.activeLeads ||
        a.shift.startsAt.getTime() - b.shift.startsAt.getTime() ||
        a.person!.id.localeCompare(b.person!.id),
    );
  const first = onCall[0];
  if (first) {
    return {
      chosenRepId: first.person!.id,
      via: 'on_call',
      slaStartsAt: now,
      reason: `after hours: on call until ${first.shift.endsAt.toISOString()}`,
    };
  }

  // Nobody on call: the first moment someone is back, as the routing rule sees the team then.
  const reps = people.filter((p) => p.role === 'rep');
  let at = now;
  for (let step = 0; step < MAX_STEPS; step++) {
    const decision = choose(lead, reps, at);
    if (decision.chosenRepId && at > now) {
      return {
        chosenRepId: decision.chosenRepId,
        via: 'next_shift',
        slaStartsAt: at,
        reason: `after hours, nobody on call: the first rep on shift (${at.toISOString()}), SLA from then; ${decision.reason}`,
        decision,
      };
    }
    if (!decision.nextAvailableAt) return undefined;
    const next = new Date(decision.nextAvailableAt);
    if (next <= at) return undefined;
    at = next;
  }
  return undefined;
}
