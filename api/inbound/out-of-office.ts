// Automatic out-of-office replies (pure, no I/O): whether an inbound reply is one, and when the
// sender is back — so a cadence pauses until then instead of reading it as a human answer. The
// dates are read by chrono-node (natural-language dates: "December 3", "12/03", "Monday 7th Dec",
// "2026-12-03", "next Tuesday"), relative to the moment the reply came and in the sender's zone.
import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';

/** The sender is back from this local hour of the return date. */
export const BACK_AT_HOUR = 8;

/** Markers an auto-reply carries on their own. */
const AUTO_REPLY = [
  /\b(automatic|auto|automated)[\s-]*(reply|response|message|answer)\b/i,
  /\bauto[\s-]?reply\b/i,
  /\bout[\s-]+of[\s-]+(the[\s-]+)?office\b/i,
  /\bOOO\b/, // the upper-case abbreviation only
  /\b(away|absent) from (the|my) (office|desk|e-?mail|computer)\b/i,
  /\b(limited|no|intermittent|restricted|little|sporadic)\s+access\s+to\s+(my\s+)?(e-?mails?|internet|messages|voicemail)\b/i,
  /\b(limited|intermittent|restricted|sporadic)\s+(e-?mail|internet)(\s+access)?\b|\blimited connectivity\b/i,
  /\bon\s+(annual\s+|parental\s+|maternity\s+|paternity\s+|medical\s+|sick\s+|extended\s+|personal\s+|a\s+)?(vacation|leave|holiday|holidays|PTO|sabbatical|business trip)\b/i,
  /\b(I|we)\s+(will|shall)\s+(respond|reply|get back to you|answer)\b[^.!?]*\b(upon|on|when|after)\s+(my|our|I|we)\s+(return|get back|am back|are back)\b/i,
];

/** An absence in the first person… */
const AWAY =
  /\b(I am|I'm|I’m|I will be|I'll be|I’ll be|we are|we're|we’re|we will be)\s+(currently\s+|now\s+)?(away|out|off|traveling|travelling|unavailable)\b/i;
/** …together with a return ("call me back" is not one). */
const RETURN_CUE = /\b(until|till|til|through|thru|returning|return(ing)? on|back on|back in the office|be back)\b/i;
/** A return in the first person, enough on its own ("I will be back on Tuesday"; not "I'm back in town"). */
const I_RETURN =
  /\b(I|we)\s*(will|'ll|’ll|shall|am|'m|’m|are|'re|’re)?\s*(be\s+)?(back|returning|return)\s+(in\s+the\s+office\s+|to\s+the\s+office\s+|at\s+my\s+desk\s+|to\s+work\s+)?((on|by|next|tomorrow|in\s+(a|one|two|three)\s+(day|week)s?|(mon|tues|wednes|thurs|fri|satur|sun)day)\b|in\s+\d|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d|\d)/i;

/** The earlier message quoted below a reply is not the reply. */
function unquoted(text: string): string {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(On .+ wrote:|-{2,}\s*Original Message\s*-{2,}|From:\s)/i.test(line)) break;
    if (!line.trimStart().startsWith('>')) lines.push(line);
  }
  return lines.join('\n');
}

/** Whether the text is an automatic out-of-office reply. */
export function isOutOfOffice(text: string): boolean {
  const body = unquoted(text);
  return AUTO_REPLY.some((re) => re.test(body)) || (AWAY.test(body) && RETURN_CUE.test(body)) || I_RETURN.test(body);
}

/** What the words just before a date say it is. */
type Cue = 'return' | 'last_day' | 'start' | 'none';

function cueBefore(body: string, index: number): Cue {
  // The words since the last sentence break, at most the last few.
  const before = body
    .slice(Math.max(0, index - 40), index)
    .split(/[.!?;\n]/)
    .pop()!
    .toLowerCase();
  const cues = [
    ...before.matchAll(
      /\b(until|till|til|back|return|returning|returns|resume|resuming|through|thru|after|from|starting|since|beginning|leaving)\b/g,
    ),
  ];
  const last = cues.at(-1)?.[1];
  if (!last) return 'none';
  if (['through', 'thru', 'after'].includes(last)) return 'last_day';
  if (['from', 'starting', 'since', 'beginning', 'leaving'].includes(last)) return 'start';
  return 'return';
}

const MONTH_OR_WEEKDAY =
  /\d|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\b|\btomorrow\b/i;

/**
 * Undefined when `text` is not an automatic out-of-office reply; `{}` when it is but no return date
 * can be read (the caller pauses a default time); otherwise `until`: 08:00 in `zone` on the return
 * date (ISO, UTC). Dates are read relative to `now` in `zone`: a date without a year that is past
 * means next year, a weekday the next such day. "Until"/"back"/"returning" name the return date;
 * "through", "after", the end of a range or a bare date name the last day away (back the day after);
 * "from"/"starting" name the first day away and are passed over.
 */
export function outOfOffice(text: string, now: Date, zone = 'America/Detroit'): { until?: string } | undefined {
  if (!isOutOfOffice(text)) return undefined;
  const body = unquoted(text);
  const today = DateTime.fromJSDate(now).setZone(zone).startOf('day');
  const results = chrono.casual.parse(body, { instant: now, timezone: today.offset }, { forwardDate: true });

  const candidates = results.flatMap((r) => {
    if (!r.start.isCertain('day') && !r.start.isCertain('weekday')) return []; // a bare time, "this week"
    const cue = cueBefore(body, r.index);
    if (cue === 'start' && !r.end) return [];
    // The end of a range ("from Nov 18 to Dec 2", "December 1-3") is the last day away.
    const point = r.end ?? r.start;
    let date = DateTime.fromObject(
      { year: point.get('year')!, month: point.get('month')!, day: point.get('day')! },
      { zone },
    );
    if (!r.end && !r.start.isCertain('day') && date <= today) date = date.plus({ weeks: 1 }); // "back on Tuesday", said on a Tuesday
    const lastDay = r.end !== null || cue === 'last_day' || cue === 'none';
    if (lastDay) date = date.plus({ days: 1 });
    // Without a cue only something that names a date counts ("within 24 hours" does not).
    if (cue === 'none' && !r.end && (!MONTH_OR_WEEKDAY.test(r.text) || /\b(within|hours?|minutes?)\b/i.test(r.text)))
      return [];
    return date > today ? [{ date, cued: cue !== 'none' || r.end !== null }] : [];
  });
  const chosen = candidates.find((c) => c.cued) ?? candidates[0] ?? dayOfMonthAfterCue(body, today);
  if (!chosen) return {};
  return { until: chosen.date.set({ hour: BACK_AT_HOUR }).toUTC().toISO()! };
}

/** "until the 30th", "back on the 3rd" — a day of the month alone (chrono reads none): the next such day. */
function dayOfMonthAfterCue(body: string, today: DateTime): { date: DateTime } | undefined {
  const m = /\b(until|till|til|back|return|returning)\s+(on\s+)?the\s+(\d{1,2})(st|nd|rd|th)\b/i.exec(body);
  if (!m) return undefined;
  const day = Number(m[3]);
  for (let months = 0; months < 12; months++) {
    const month = today.startOf('month').plus({ months });
    if (day > month.daysInMonth!) continue;
    const date = month.set({ day });
    if (date > today) return { date };
  }
  return undefined;
}
