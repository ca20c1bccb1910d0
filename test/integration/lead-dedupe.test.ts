// One person, one open lead: the same phone or email returns their open lead however old it is;
// once it is closed, a new enquiry is a new lead on the same contact (so returning customers are
// recognised), and never a second contact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeadOnce, previousCustomerOf, saveLeadStage, type NewLead } from '../../db/repositories/leads';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const person = (over: Partial<NewLead> = {}): NewLead => ({
  firstName: 'Ann',
  lastName: 'Lee',
  phone: '+12485550101',
  source: 'website',
  address: { street: '1 Main St', city: 'Troy', state: 'MI', zip: '48083' },
  property: {},
  signals: {},
  ...over,
});
// No dedupe window: only the open-lead rule can match.
const opts = (hash: string) => ({
  requestHash: hash,
  dedupeWindowHours: 0,
  workflowIdFor: (id: string) => `lead-${id}`,
});

describe('lead dedupe by person', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('returns the open lead for the same phone, then starts a new lead on the same contact once it is closed', async () => {
    const first = await createLeadOnce(pg.db, person(), opts('a'));
    expect(first.kind).toBe('created');
    const again = await createLeadOnce(pg.db, person({ email: 'ann@example.com', phone: undefined }), opts('b'));
    expect(again.kind).toBe('created'); // a different identity (email only): a different person so far
    const samePhone = await createLeadOnce(pg.db, person({ firstName: 'Annie' }), opts('c'));
    expect(samePhone).toMatchObject({ kind: 'existing', matchedBy: 'contact', lead: { id: first.lead.id } });

    await saveLeadStage(pg.db, first.lead.id, 'won', 36_000);
    const returning = await createLeadOnce(pg.db, person(), opts('d'));
    expect(returning.kind).toBe('created');
    expect(returning.lead.id).not.toBe(first.lead.id);
    expect(returning.lead.contact_id).toBe(first.lead.contact_id);
    expect(
      Number(
        (
          await pg.db
            .selectFrom('contacts')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('phone', '=', '+12485550101')
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(1);
    expect(await previousCustomerOf(pg.db, returning.lead.contact_id, returning.lead.id)).toEqual({
      ltv: 36_000,
      originalRepId: undefined,
    });
  });
});
