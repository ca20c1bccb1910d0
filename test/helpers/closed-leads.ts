// Closed leads as the CRM stores them (through the leads repository), for the retrain's export.
// Seeded: the same call makes the same leads. Won leads lean on the features the roadmap ties to
// conversion (partner sources, insurance claims, fast answers), so a model can learn from them.
import type { Kysely } from 'kysely';
import { createLeadOnce, saveLeadStage } from '../../db/repositories/leads';
import type { Database } from '../../db/schema';

/** mulberry32: a tiny seeded PRNG, enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SOURCES = ['website', 'referral', 'insurance_agent', 'google_ads', 'storm_canvass'] as const;
const SEVERITIES = ['minor', 'moderate', 'severe'] as const;

export async function insertClosedLeads(
  db: Kysely<Database>,
  n: number,
  opts: { seed?: number; incomplete?: number } = {},
): Promise<void> {
  const r = rng(opts.seed ?? 7);
  for (let i = 0; i < n + (opts.incomplete ?? 0); i++) {
    const source = SOURCES[Math.floor(r() * SOURCES.length)]!;
    const insuranceClaim = r() < 0.4;
    const responseTimeMinutes = Math.round(r() * 240);
    const contactQuality = Math.round(r() * 100) / 10;
    const odds =
      -1 +
      (source === 'referral' || source === 'insurance_agent' ? 1.2 : 0) +
      (insuranceClaim ? 0.8 : 0) -
      responseTimeMinutes / 120 +
      contactQuality / 5;
    const won = r() < 1 / (1 + Math.exp(-odds));
    // Beyond n, leads lack the contact-quality rating: the export must leave them out.
    const complete = i < n;
    const { lead } = await createLeadOnce(
      db,
      {
        firstName: 'Test',
        lastName: `Lead${i}`,
        email: `closed-${opts.seed ?? 7}-${i}@example.com`,
        source,
        address: { street: `${i} Main St`, city: 'Troy', state: 'MI', zip: r() < 0.3 ? '48009' : '48083' },
        property: {
          propertyValue: Math.round(150_000 + r() * 600_000),
          roofAge: Math.floor(r() * 40),
          damageSeverity: SEVERITIES[Math.floor(r() * 3)]!,
          insuranceClaim,
        },
        signals: complete ? { responseTimeMinutes, contactQuality } : { responseTimeMinutes },
      },
      { requestHash: `closed-${i}`, dedupeWindowHours: 0, workflowIdFor: (id) => `lead-${id}` },
    );
    await saveLeadStage(db, lead.id, won ? 'won' : 'lost');
  }
}
