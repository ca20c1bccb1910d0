// What the simulation shows ops: touches per lead, channel mix, conversions, opt-outs, deferrals
// (quiet hours, holidays, caps), how cadences ended and where journeys stand — as text or JSON — and
// the roadmap's "25 % fewer touches" (4.3 C): the adaptive plan's touches to outcome next to the
// fixed 16-touch sequence it replaces (issue 22 item 14; the model in touchesToOutcome below).
import type { SimulatedCustomerResult } from './customer';
import type { Tally } from './recipients';
import type { Scenario } from './scenarios';

export interface Outcome {
  options: {
    leads: number;
    days: number;
    scenario: string;
    definition: string;
    seed: number;
    policy: { maxTouches: number; minGapDays: number; pauseMinDays?: number };
  };
  scenario: Scenario;
  tally: Tally;
  results: SimulatedCustomerResult[];
  /** Customers whose workflows the test server stopped advancing (terminated, left out of the counts). */
  stuck: string[];
  stages: Record<string, number>;
  cadenceEnds: (string | null)[];
  wallSeconds: number;
}

const pct = (n: number, of: number): string => (of ? `${((100 * n) / of).toFixed(1)} %` : '–');
const quantile = (xs: number[], q: number): number =>
  xs.length ? xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : 0;
const count = <T extends string>(xs: T[]): Record<string, number> =>
  xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

/** The roadmap's "Current: Fixed 16-touch sequence" (4.3 C) and its success metric "25 % fewer touches". */
export const FIXED_SEQUENCE_TOUCHES = 16;
export const FEWER_TOUCHES_TARGET = 0.25;

/**
 * Touches to outcome: per lead, the cadence touches sent until its outcome — the reply that hands it
 * to the rep, or the end of the cadence (cap, opt-outs) or of the simulation for a lead who never
 * answered. The fixed baseline is what the 16-touch sequence would have sent the same people: a lead
 * who replied after n touches gets min(n, 16) (the same person answers the same touch — the
 * assumption is the baseline's, stated in docs/cadences.md), one who never replied all 16.
 */
export function touchesToOutcome(
  leads: number,
  touchesPerLead: Map<string, number>,
  results: { leadId: string; repliedOnDay?: number }[],
) {
  const replied = new Set(results.filter((r) => r.repliedOnDay !== undefined).map((r) => r.leadId));
  let adaptive = 0;
  let fixed = 0;
  let responderTouches = 0;
  for (const [leadId, n] of touchesPerLead) {
    adaptive += n;
    if (replied.has(leadId)) responderTouches += n;
  }
  fixed = FIXED_SEQUENCE_TOUCHES * (leads - replied.size);
  for (const leadId of replied) fixed += Math.min(touchesPerLead.get(leadId) ?? 0, FIXED_SEQUENCE_TOUCHES);
  const others = leads - replied.size;
  return {
    responders: replied.size,
    adaptive: {
      touches: adaptive,
      perLead: leads ? adaptive / leads : 0,
      perResponder: replied.size ? responderTouches / replied.size : 0,
      perNonResponder: others ? (adaptive - responderTouches) / others : 0,
    },
    fixed16: {
      touches: fixed,
      perLead: leads ? fixed / leads : 0,
      perResponder: replied.size ? (fixed - FIXED_SEQUENCE_TOUCHES * others) / replied.size : 0,
      perNonResponder: others ? FIXED_SEQUENCE_TOUCHES : 0,
    },
    /** 1 − adaptive / fixed: the roadmap's "fewer touches" (negative: more). */
    fewerTouches: fixed ? 1 - adaptive / fixed : 0,
    target: FEWER_TOUCHES_TARGET,
  };
}

export function report(o: Outcome) {
  const leads = o.options.leads;
  // Leads never touched (a reply before day 1, arrived at the end) count as zero.
  const perLead = [...o.tally.touchesPerLead.values()]
    .concat(Array(Math.max(0, leads - o.tally.touchesPerLead.size)).fill(0) as number[])
    .sort((a, b) => a - b);
  const totalCadence = perLead.reduce((a, b) => a + b, 0);
  const won = o.results.filter((r) => r.won).length;
  const replied = o.results.filter((r) => r.repliedOnDay !== undefined).length;
  const ends = count(o.cadenceEnds.map((e) => (e ?? 'still running').replace(/ until .*$/, '')));
  const channelMix = (kind: string) => {
    const by = o.tally.sent[kind] ?? {};
    const total = Object.values(by).reduce((a, b) => a + b, 0);
    return Object.fromEntries(
      Object.entries(by)
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => [c, { messages: n, share: total ? n / total : 0 }]),
    );
  };
  const deferredMessages = Object.fromEntries(
    Object.entries(o.tally.deferredMessages).map(([r, keys]) => [r, keys.size]),
  );
  const leadDays = leads * o.options.days;
  const json = {
    options: o.options,
    touchesPerLead: {
      mean: totalCadence / leads,
      p50: quantile(perLead, 0.5),
      p90: quantile(perLead, 0.9),
      max: perLead.at(-1) ?? 0,
    },
    channelMix: { cadence: channelMix('cadence'), journey: channelMix('journey') },
    touchesToOutcome: touchesToOutcome(leads, o.tally.touchesPerLead, o.results),
    replies: { leads: replied, rate: replied / leads },
    conversions: { won, rate: won / leads },
    optOuts: { contacts: o.tally.optOuts.size, rate: o.tally.optOuts.size / leads },
    engagement: {
      opens: o.tally.opens,
      clicks: o.tally.clicks,
      replies: o.tally.replies,
      outOfOffice: o.tally.autoReplies,
    },
    deferred: { messages: deferredMessages, times: o.tally.deferrals },
    blockedSends: o.tally.blocked,
    cadenceEnds: ends,
    journeyStages: o.stages,
    stuck: o.stuck,
    speed: { wallSeconds: o.wallSeconds, leadDaysPerSecond: leadDays / o.wallSeconds },
  };
  const lines = [
    `Simulation: ${leads} leads × ${o.options.days} days · scenario ${o.options.scenario} · definition ${o.options.definition} · max ${o.options.policy.maxTouches} touches, ≥ ${(o.options.policy.minGapDays * 24).toFixed(0)} h apart · seed ${o.options.seed}`,
    '',
    `Touches per lead (cadence): mean ${json.touchesPerLead.mean.toFixed(2)} · p50 ${json.touchesPerLead.p50} · p90 ${json.touchesPerLead.p90} · max ${json.touchesPerLead.max}`,
    `Channel mix, cadence: ${
      Object.entries(json.channelMix.cadence)
        .map(([c, v]) => `${c} ${v.messages} (${pct(v.messages, totalCadence)})`)
        .join(' · ') || 'none'
    }`,
    `Channel mix, journey: ${
      Object.entries(json.channelMix.journey)
        .map(([c, v]) => `${c} ${v.messages}`)
        .join(' · ') || 'none'
    }`,
    `Touches to outcome (4.3 C "25 % fewer touches" vs the fixed 16-touch sequence): adaptive ${json.touchesToOutcome.adaptive.touches} (${json.touchesToOutcome.adaptive.perLead.toFixed(2)} per lead; ${json.touchesToOutcome.adaptive.perResponder.toFixed(2)} before a reply, ${json.touchesToOutcome.adaptive.perNonResponder.toFixed(2)} without one) · fixed 16 ${json.touchesToOutcome.fixed16.touches} (${json.touchesToOutcome.fixed16.perLead.toFixed(2)} per lead) · ${(100 * json.touchesToOutcome.fewerTouches).toFixed(1)} % fewer (target ${100 * FEWER_TOUCHES_TARGET} %)`,
    `Replies: ${replied} leads (${pct(replied, leads)}) · conversions (contract signed): ${won} (${pct(won, leads)})`,
    `Opt-outs: ${o.tally.optOuts.size} contacts (${pct(o.tally.optOuts.size, leads)}) · out-of-office answers: ${o.tally.autoReplies} · blocked sends: ${o.tally.blocked}`,
    `Deferred messages: ${
      Object.entries(deferredMessages)
        .map(([r, n]) => `${r.replace('_', ' ')} ${n}`)
        .join(' · ') || 'none'
    }`,
    `Cadences ended: ${Object.entries(ends)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${r}: ${n}`)
      .join(' · ')}`,
    `Journeys by stage: ${Object.entries(o.stages)
      .map(([s, n]) => `${s} ${n}`)
      .join(' · ')}`,
    ...(o.stuck.length
      ? [
          `Stuck (the test server stopped advancing them; left out): ${o.stuck.length} — ${o.stuck.slice(0, 5).join(', ')}`,
        ]
      : []),
    '',
    `Ran in ${o.wallSeconds.toFixed(1)} s wall: ${json.speed.leadDaysPerSecond.toFixed(0)} simulated lead-days per second.`,
    `Probabilities (scenarios.ts): per message open/click/reply/opt-out — ${Object.entries(o.scenario.perMessage)
      .map(([c, p]) => `${c} ${p.open}/${p.click}/${p.reply}/${p.optOut}`)
      .join(', ')}; after a reply — ${Object.entries(o.scenario.afterReply)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  ];
  return { json, text: lines.join('\n') };
}
