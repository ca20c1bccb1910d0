// The labelled history the retrain learns from: closed leads (won = converted) whose features are
// all known, as rows of train.py's --data-csv format (models/README.md, "Training data CSV").
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { seasonOf } from './lead-prediction';
import { leadFeaturesSchema, type LeadFeatures } from './schemas';

const LEAD_COLUMNS = [
  'leadSource',
  'propertyValue',
  'roofAge',
  'damageSeverity',
  'insuranceClaim',
  'contactQuality',
  'responseTimeMinutes',
  'zip',
  'season',
  'previousInteraction',
] as const satisfies readonly (keyof LeadFeatures)[];
const HEADER = ['dataset', ...LEAD_COLUMNS, 'converted', 'nextBestAction'];

export interface ExportSummary {
  closedLeads: number;
  usableLeadRows: number;
  /** Why closed leads were left out: the first field that was missing or out of range → count. */
  skipped: Record<string, number>;
  /** Customers have no CRM table yet: the customer models always train on synthetic data. */
  customerRows: 0;
}

const cell = (v: unknown): string =>
  typeof v === 'boolean' ? String(v) : v === undefined || v === null ? '' : String(v);

/**
 * Builds the CSV of every usable closed lead; null when there is none. The next-best-action label is
 * left empty: the CRM does not record which action won a lead yet, so that model stays synthetic.
 */
export async function exportClosedLeads(db: Kysely<Database>): Promise<{ csv: string | null; summary: ExportSummary }> {
  const leads = await db
    .selectFrom('leads')
    .select(['source', 'zip', 'property', 'signals', 'stage', 'created_at'])
    .where('stage', 'in', ['won', 'lost'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const skipped: Record<string, number> = {};
  const lines = [HEADER.join(',')];
  for (const lead of leads) {
    const property = lead.property as Record<string, unknown>;
    const signals = lead.signals as Record<string, unknown>;
    const candidate = {
      leadSource: lead.source,
      propertyValue: property.propertyValue,
      roofAge: property.roofAge,
      damageSeverity: property.damageSeverity,
      insuranceClaim: property.insuranceClaim,
      contactQuality: signals.contactQuality,
      responseTimeMinutes: signals.responseTimeMinutes,
      zip: lead.zip,
      season: seasonOf(lead.created_at),
      // Not recorded means none was recorded.
      previousInteraction: property.previousInteraction ?? false,
    };
    const parsed = leadFeaturesSchema.safeParse(candidate);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]!.path[0] ?? 'record');
      skipped[field] = (skipped[field] ?? 0) + 1;
      continue;
    }
    const row = parsed.data;
    lines.push(['lead', ...LEAD_COLUMNS.map((c) => cell(row[c])), String(lead.stage === 'won'), ''].join(','));
  }
  const usable = lines.length - 1;
  return {
    csv: usable > 0 ? `${lines.join('\n')}\n` : null,
    summary: { closedLeads: leads.length, usableLeadRows: usable, skipped, customerRows: 0 },
  };
}
