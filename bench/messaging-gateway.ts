// The messaging gateway with the local provider on an embedded Postgres: sustained sends/s at a
// few concurrency levels, and what the compliance checks (recipient, consent, quiet hours, caps)
// add to each send, measured on their own in the same run.
// Run: node --import tsx bench/messaging-gateway.ts [SENDS=2000]
import os from 'node:os';
import { createGateway } from '../activities/messaging/gateway';
import { localProvider } from '../activities/messaging/providers/local';
import { nextAllowed, zonesFor } from '../activities/messaging/quiet-hours';
import { createLeadOnce } from '../db/repositories/leads';
import { consentOf, recentMarketing, recipientOf } from '../db/repositories/messages';
import { startTestPostgres } from '../test/helpers/postgres';

const SENDS = Number(process.argv[2] ?? 2000);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const pg = await startTestPostgres();
  try {
    const contacts: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { lead } = await createLeadOnce(
        pg.db,
        {
          firstName: 'B',
          lastName: `${i}`,
          phone: `+1248555${String(i).padStart(4, '0')}`,
          email: `b${i}@bench.example`,
          source: 'website',
          address: { street: `${i} Main St`, city: 'Troy', state: 'MI', zip: '48083' },
          property: {},
          signals: {},
        },
        { requestHash: `b${i}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
      );
      contacts.push(lead.contact_id);
    }
    // Caps high enough that every send goes out: the bench measures the work, not the deferrals.
    const gateway = createGateway({
      db: pg.db,
      providers: { sms: localProvider('sms', pg.db), email: localProvider('email', pg.db) },
      caps: { perDay: 1000, perWeek: 1000 },
    });
    const afternoon = new Date('2026-11-25T20:00:00Z'); // 15:00 in Detroit: inside quiet hours' window
    let serial = 0;
    const rows: string[] = [];
    for (const concurrency of [1, 4, 16]) {
      const latencies: number[] = [];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < SENDS) {
            const i = next++;
            const s = performance.now();
            const out = await gateway.send(
              {
                idempotencyKey: `bench-${concurrency}-${++serial}`,
                contactId: contacts[i % contacts.length]!,
                channel: i % 2 ? 'sms' : 'email',
                text: 'Bench message',
              },
              afternoon,
            );
            if (out.status !== 'sent') throw new Error(`not sent: ${JSON.stringify(out)}`);
            latencies.push(performance.now() - s);
          }
        }),
      );
      const perSecond = SENDS / ((performance.now() - t0) / 1000);
      latencies.sort((a, b) => a - b);
      rows.push(
        `| ${concurrency} | ${perSecond.toFixed(0)} | ${pct(latencies, 50).toFixed(2)} | ${pct(latencies, 99).toFixed(2)} |`,
      );
    }

    // The compliance checks alone, as the gateway runs them before recording a message.
    const checks: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = performance.now();
      const contactId = contacts[i % contacts.length]!;
      const r = (await recipientOf(pg.db, contactId))!;
      await consentOf(pg.db, 'sms', r.phone!);
      nextAllowed(afternoon, zonesFor({ state: r.state, zip: r.zip }).zones);
      await recentMarketing(pg.db, contactId, new Date(afternoon.getTime() - 7 * 86_400_000));
      checks.push(performance.now() - s);
    }
    checks.sort((a, b) => a - b);
    const quiet: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const s = performance.now();
      nextAllowed(new Date(afternoon.getTime() + i * 60_000), ['America/New_York', 'America/Chicago']);
      quiet.push(performance.now() - s);
    }
    quiet.sort((a, b) => a - b);
    process.stdout.write(
      [
        `${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}; ${SENDS} sends per row (half SMS, half email) to 200 contacts, local provider, embedded Postgres`,
        '',
        '| concurrent senders | sends/s | p50 ms | p99 ms |',
        '|---|---|---|---|',
        ...rows,
        '',
        `Compliance checks alone (recipient + consent + quiet hours + caps, 1,000 runs): p50 ${pct(checks, 50).toFixed(2)} ms, p99 ${pct(checks, 99).toFixed(2)} ms; quiet hours alone (10,000 runs, two zones): p50 ${(pct(quiet, 50) * 1000).toFixed(1)} µs, p99 ${(pct(quiet, 99) * 1000).toFixed(1)} µs.`,
        '',
      ].join('\n'),
    );
  } finally {
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
