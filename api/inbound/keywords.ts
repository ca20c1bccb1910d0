// Inbound SMS keywords (CTIA / carrier conventions): the message itself, trimmed and case-blind.
export const OPT_OUT_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const OPT_IN_WORDS = ['START', 'UNSTOP'] as const;
export const HELP_WORDS = ['HELP', 'INFO'] as const;

export type KeywordAction = 'opt_out' | 'opt_in' | 'help' | null;

/** What an inbound SMS asks for, or null for an ordinary reply ("stop by tomorrow?" is a reply). */
export function keywordAction(body: string): KeywordAction {
  const word = body
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase();
  if ((OPT_OUT_WORDS as readonly string[]).includes(word)) return 'opt_out';
  if ((OPT_IN_WORDS as readonly string[]).includes(word)) return 'opt_in';
  if ((HELP_WORDS as readonly string[]).includes(word)) return 'help';
  return null;
}
