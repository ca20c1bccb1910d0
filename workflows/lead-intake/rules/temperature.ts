// Lead temperature, roadmap 4.1 D: HOT >= 80, WARM 60-79, COLD < 60.
// Each known signal is rated against the roadmap's table (HOT 100, WARM 70, COLD 30, in between 50)
// and the score is their mean; with no signal known yet a lead is COLD (score 50): it must show
// interest before it is treated as warm.
// A request is a buying signal on its own (issue 22 item 9; the HOT column's "Requested appointment
// or quote"): a lead that asked for an appointment or a quote is HOT whatever else is known — its
// score is the mean of every signal, raised to 80 when lower (appointment + budget unclear: mean 65,
// scored 80 HOT). The other signals combine only by the mean: none of them alone makes a lead HOT
// (a confirmed budget with a slow reply is WARM), because the roadmap lists them as evidence to weigh,
// while a request is the lead asking to buy.
import type { EngagementSignals, TemperatureResult } from './lead';

const HOT = 100;
const WARM = 70;
const BETWEEN = 50;
const COLD = 30;
export const NO_SIGNAL_SCORE = 50;
/** The HOT band's floor: where a request puts a lead whose other signals average lower. */
export const REQUEST_FLOOR = 80;
const REQUESTS = ['requested_appointment', 'requested_quote'];

type Rating = { points: number; reason: string };

function rate(signals: EngagementSignals): Rating[] {
  const ratings: Rating[] = [];
  const { responseTimeMinutes: rt, emailOpenRate: open, websiteVisits48h: visits, budget, intent } = signals;

  if (rt !== undefined) {
    if (rt < 5) ratings.push({ points: HOT, reason: `responded in ${rt} min (< 5)` });
    else if (rt <= 60) ratings.push({ points: WARM, reason: `responded in ${rt} min (5-60)` });
    else if (rt <= 24 * 60) ratings.push({ points: BETWEEN, reason: `responded in ${Math.round(rt / 60)} h (1-24 h)` });
    else ratings.push({ points: COLD, reason: 'responded after more than 24 h' });
  }
  if (open !== undefined) {
    const pct = Math.round(open * 100);
    if (open > 0.75) ratings.push({ points: HOT, reason: `email open rate ${pct}% (> 75%)` });
    else if (open >= 0.4) ratings.push({ points: WARM, reason: `email open rate ${pct}% (40-75%)` });
    else ratings.push({ points: COLD, reason: `email open rate ${pct}% (< 40%)` });
  }
  if (visits !== undefined) {
    // The roadmap lists "1-2 visits" as WARM and "a single visit" as COLD: one visit sits between.
    if (visits >= 3) ratings.push({ points: HOT, reason: `${visits} website visits in 48 h (3+)` });
    else if (visits === 2) ratings.push({ points: WARM, reason: '2 website visits in 48 h' });
    else if (visits === 1) ratings.push({ points: BETWEEN, reason: '1 website visit in 48 h' });
    else ratings.push({ points: COLD, reason: 'no website visits in 48 h' });
  }
  if (budget !== undefined) {
    const byBudget = { confirmed: HOT, discussed: WARM, unclear: COLD };
    ratings.push({ points: byBudget[budget], reason: `budget ${budget}` });
  }
  if (intent !== undefined) {
    const byIntent = { requested_appointment: HOT, requested_quote: HOT, engaged: WARM, limited: COLD };
    ratings.push({ points: byIntent[intent], reason: intent.replace(/_/g, ' ') });
  }
  return ratings;
}

export function classifyTemperature(signals: EngagementSignals): TemperatureResult {
  const ratings = rate(signals);
  if (ratings.length === 0) {
    return { temperature: 'COLD', score: NO_SIGNAL_SCORE, reasons: ['no engagement signals yet'] };
  }
  const mean = Math.round(ratings.reduce((sum, r) => sum + r.points, 0) / ratings.length);
  const requested = signals.intent !== undefined && REQUESTS.includes(signals.intent);
  const score = requested ? Math.max(REQUEST_FLOOR, mean) : mean;
  const reasons = ratings.map((r) => r.reason);
  if (requested && mean < REQUEST_FLOOR) reasons.push(`a request is a buying signal on its own: HOT (mean ${mean})`);
  const temperature = score >= 80 ? 'HOT' : score >= 60 ? 'WARM' : 'COLD';
  return { temperature, score, reasons };
}
