// The business's own numbers, in the process's Prometheus registry beside the ML and process metrics:
// served by the API's GET /metrics and, when the worker runs in a process of its own, by the worker's
// (WORKER_METRICS_PORT, workers/metrics-server.ts). docs/observability.md says what each one means;
// docs/grafana/crm-dashboard.json charts them.
//
// Counted in the activity that makes the decision, once per decision it records: a lead's first
// scoring (a retry finds it stored and counts nothing), an assignment ended by an SLA breach (idem),
// the gateway's answer to a send. A process counts its own decisions since it started: Prometheus
// sums the processes and its increase() and rate() bridge restarts.
import type { Kysely } from 'kysely';
import { Counter, Gauge, register } from 'prom-client';
import { countLeadsWaiting } from '../db/repositories/leads';
import type { Database } from '../db/schema';
import { TEMPERATURES, type Temperature } from '../workflows/lead-intake/rules/lead';
import type { Channel, SendOutcome } from './messaging/contract';

/** The SLA a breach missed, as ops name them: a VIP lead's (whatever its temperature), else its temperature's. */
export type SlaTier = 'VIP' | Temperature;
const SLA_TIERS: readonly SlaTier[] = ['VIP', ...TEMPERATURES];

const leadsCreated = new Counter({
  name: 'leads_created_total',
  help: 'Leads scored at intake, by the temperature of that first scoring',
  labelNames: ['temperature'],
  registers: [register],
});
const slaBreaches = new Counter({
  name: 'sla_breaches_total',
  help: 'First-contact SLAs missed (each ends the assignment), by tier: VIP, else the lead temperature',
  labelNames: ['tier'],
  registers: [register],
});
const messages = new Counter({
  name: 'messages_total',
  help: "The messaging gateway's answers, by channel, outcome (sent, deferred, blocked, failed) and reason",
  labelNames: ['channel', 'outcome', 'reason'],
  registers: [register],
});

// Every known series exists from the start at 0: a rate over the first event is then not lost.
for (const temperature of TEMPERATURES) leadsCreated.labels({ temperature }).inc(0);
for (const tier of SLA_TIERS) slaBreaches.labels({ tier }).inc(0);

export function countLeadCreated(temperature: Temperature): void {
  leadsCreated.inc({ temperature });
}

/** `lead`: its row when the breach is counted (gone: COLD, the loosest SLA). */
export function slaTierOf(lead: { is_vip: boolean; temperature: string | null } | undefined): SlaTier {
  if (lead?.is_vip) return 'VIP';
  return TEMPERATURES.find((t) => t === lead?.temperature) ?? 'COLD';
}

export function countSlaBreach(tier: SlaTier): void {
  slaBreaches.inc({ tier });
}

/**
 * One answer of the gateway to a send: sent, deferred (and asked again later: each deferral counts),
 * blocked, failed. An attempt answered again from the record (a retry after the answer was lost)
 * counts again: rare, and only ever more, never fewer.
 */
export function countSendOutcome(channel: Channel, outcome: SendOutcome): void {
  if (outcome.status === 'sent') messages.inc({ channel, outcome: 'sent' });
  else if (outcome.status === 'deferred') messages.inc({ channel, outcome: 'deferred', reason: outcome.reason });
  else messages.inc({ channel: outcome.channel, outcome: outcome.status, reason: outcome.reason });
}

let waitingSource: Kysely<Database> | undefined;

/** Read from Postgres on each scrape, so it is right whichever process moved a lead, and after restarts. */
new Gauge({
  name: 'workflows_waiting',
  help: 'Lead workflows waiting on people: for a free rep (reason="rep"), in the ops queue after SLA breaches (reason="ops_queue")',
  labelNames: ['reason'],
  registers: [register],
  async collect() {
    if (!waitingSource) return;
    try {
      const { forRep, inOpsQueue } = await countLeadsWaiting(waitingSource);
      this.set({ reason: 'rep' }, forRep);
      this.set({ reason: 'ops_queue' }, inOpsQueue);
    } catch {
      // Postgres unreachable: no value rather than a stale one (absent() alerts on it); the rest is served.
      this.reset();
    }
  },
});

/** The database workflows_waiting counts in (the API's: one process answers it, whichever runs the worker). */
export function countWaitingIn(db: Kysely<Database>): void {
  waitingSource = db;
}
