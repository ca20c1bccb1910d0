// The one logger factory picks the format from its output: readable lines for a terminal (`make
// start` in a shell), JSON lines for anything else (containers, CI, pipes), redacting either way.
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger';

/** A stand-in for stdout that is, or is not, a terminal. */
function output(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    isTTY,
    write: (text: string) => chunks.push(text),
    text: () => stripVTControlCharacters(chunks.join('')),
  };
}

const logSome = (out: ReturnType<typeof output>) => {
  const logger = createLogger('info', 'crm', out);
  logger.info({ leadId: 'lead-1', contact: { phone: '+12485550100' } }, 'lead accepted');
  logger.child({ component: 'worker' }).warn('worker stopped');
  logger.debug('below the level');
};

describe('createLogger', () => {
  it('prints readable lines to a terminal', () => {
    const out = output(true);
    logSome(out);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(crm\): lead accepted \{.*"leadId":"lead-1"/);
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(crm\): worker stopped \{"component":"worker"\}$/);
    for (const line of lines) expect(() => JSON.parse(line)).toThrow(SyntaxError); // not JSON
    expect(out.text()).not.toContain('+12485550100');
  });

  it('prints one JSON object per line anywhere else', () => {
    const out = output(false);
    logSome(out);
    const lines = out
      .text()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { level: 30, name: 'crm', msg: 'lead accepted', leadId: 'lead-1', contact: { phone: '[redacted]' } },
      { level: 40, name: 'crm', msg: 'worker stopped', component: 'worker' },
    ]);
    expect(lines).toHaveLength(2);
  });
});
