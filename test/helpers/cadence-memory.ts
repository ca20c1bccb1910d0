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
    async endCadence(e) {
      const run = runs.get(e.cadenceId);
      if (run && run.endedAt === undefined) Object.assign(run, { endedAt: now(), reason: e.reason });
    },
  };
  return { activities, runs, holds, touches };
}
