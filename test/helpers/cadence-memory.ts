// The cadence activities in memory, with the same contract as activities/cadence.ts (one running
// cadence per contact, a cooldown after the last, holds by lead / rep / definition, touches, ends):
// for workflow tests and the cadence bench, which need no Postgres.
import type { createCadenceActivities } from '../../activities/cadence';
import type { CadenceSettings } from '../../workflows/cadence/types';

type CadenceActivities = ReturnType<typeof createCadenceActivities>;

export function memoryCadenceStore(settings: CadenceSettings, now: () => number) {
  const runs = new Map<string, { workflowId: string; contactId: string; endedAt?: number; reason?: string }>();
  const holds = new Map<string, string>(); // `${scope}:${target}` → reason
  const touches: { cadenceId: string; touchNo: number; step: string; variant: string; channel: string }[] = [];
  /** Reps' performance tiers (absent: not a rep of this store); the top performer looped in is the first 'top'. */
  const tiers = new Map<string, string>();
  /** Notifications by key, like the `notifications` table (a key is written once). */
  const notifications = new Map<string, { recipient: string; kind: string; leadId: string; payload: unknown }>();
  const activities: CadenceActivities = {
    async beginCadence(input) {
      const c = { ...input, contactId: input.contactId ?? `contact-of-${input.leadId}` };
      const running = [...runs.entries()].find(([, r]) => r.contactId === c.contactId && r.endedAt === undefined);
      if (running)
        return running[0] === c.cadenceId
          ? { begun: true, settings, contactId: c.contactId }
          : { begun: false, reason: `the contact is already in cadence ${running[1].workflowId}` };
      if (runs.has(c.cadenceId)) return { begun: false, reason: 'this cadence already ended' };
      const lastEnd = Math.max(
        ...[...runs.values()].filter((r) => r.contactId === c.contactId).map((r) => r.endedAt ?? -Infinity),
      );
      const until = lastEnd + (c.cooldownDays ?? settings.cooldownDays) * 86_400_000;
      if (until > now())
        return { begun: false, reason: `cooling down after the last cadence until ${new Date(until).toISOString()}` };
      runs.set(c.cadenceId, { workflowId: c.workflowId, contactId: c.contactId });
      return { begun: true, settings, contactId: c.contactId };
    },
    async cadenceHold(c) {
      for (const [scope, target] of [
        ['lead', c.leadId],
        ['rep', c.repId],
        ['definition', c.definition],
      ] as const) {
        const reason = target === undefined ? undefined : holds.get(`${scope}:${target}`);
        if (reason) return { scope, reason };
      }
      return null;
    },
    async recordCadenceTouch(t) {
      if (!touches.some((x) => x.cadenceId === t.cadenceId && x.touchNo === t.touchNo)) touches.push(t);
    },
    async accelerateLead(a) {
      const repId = a.repId ?? null;
      const repTier = repId ? (tiers.get(repId) ?? null) : null;
      let loopedIn: string | null = null;
      const put = (key: string, n: { recipient: string; kind: string; payload: unknown }) => {
        if (!notifications.has(key)) notifications.set(key, { ...n, leadId: a.leadId });
      };
      if (repTier !== 'top') {
        loopedIn = [...tiers.entries()].find(([id, tier]) => tier === 'top' && id !== repId)?.[0] ?? null;
        put(`${a.key}:loop-in`, {
          recipient: loopedIn ? `rep:${loopedIn}` : 'ops',
          kind: loopedIn ? 'cadence_top_performer_loop_in' : 'cadence_top_performer_unavailable',
          payload: { repId, repTier, why: a.why, topPerformer: loopedIn },
        });
      }
      const proposalRequestedOf = repId ? `rep:${repId}` : loopedIn ? `rep:${loopedIn}` : 'ops';
      put(`${a.key}:proposal`, {
        recipient: proposalRequestedOf,
        kind: 'proposal_requested',
        payload: { dueBy: a.proposalDueBy, why: a.why, loopedIn },
      });
      return { repId, repTier, loopedIn, proposalRequestedOf };
    },
    async endCadence(e) {
      const run = runs.get(e.cadenceId);
      if (run && run.endedAt === undefined) Object.assign(run, { endedAt: now(), reason: e.reason });
    },
  };
  return { activities, runs, holds, touches, tiers, notifications };
}
