import { describe, expect, it } from 'vitest';
import { keywordAction } from '../../api/inbound/keywords';

describe('inbound SMS keywords', () => {
  it('opts out on every stop word, case-blind and trimmed', () => {
    for (const w of ['STOP', 'stop', ' Stop. ', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit!'])
      expect(keywordAction(w), w).toBe('opt_out');
  });
  it('opts back in on START/UNSTOP and answers HELP', () => {
    expect(keywordAction('start')).toBe('opt_in');
    expect(keywordAction('UNSTOP')).toBe('opt_in');
    expect(keywordAction('help')).toBe('help');
  });
  it('treats a sentence as a reply, not a keyword', () => {
    expect(keywordAction('please stop by tomorrow')).toBeNull();
    expect(keywordAction('Can you end the call early?')).toBeNull();
  });
});
