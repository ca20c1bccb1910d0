// A provider whose "sent" log is a file, so two processes see the same one: like Twilio (no
// idempotency key, a searchable log of what it was given), for the test that kills a sending worker
// mid-send and lets another finish the message.
import fs from 'node:fs';
import type { MessageProvider } from '../../activities/messaging/contract';

export interface SentLogEntry {
  idempotencyKey: string;
  providerMessageId: string;
  pid: number;
}

export function readSentLog(file: string): SentLogEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SentLogEntry);
}

/** `neverAnswer`: the provider takes the message, then never replies (the process is killed there). */
export function sentLogProvider(file: string, opts: { neverAnswer?: boolean; onSend?: () => void } = {}) {
  const provider: MessageProvider = {
    name: 'sent-log',
    async send(m) {
      const providerMessageId = `SL${readSentLog(file).length + 1}-${process.pid}`;
      fs.appendFileSync(
        file,
        `${JSON.stringify({ idempotencyKey: m.idempotencyKey, providerMessageId, pid: process.pid })}\n`,
      );
      opts.onSend?.();
      if (opts.neverAnswer) await new Promise(() => undefined);
      return { providerMessageId };
    },
    async alreadySent(m) {
      return readSentLog(file).find((e) => e.idempotencyKey === m.idempotencyKey)?.providerMessageId;
    },
  };
  return provider;
}
