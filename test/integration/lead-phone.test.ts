// Phone numbers at lead intake, over HTTP on a real Postgres (a stand-in Temporal client: only the
// workflow starts and the status query are touched): a number that cannot exist is a 422 naming
// the field and stores nothing; a real one is stored in E.164 with its line type, shown on the lead
// and handed to the gateway by the recipient lookup.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The API first: its zod schemas must be extended for OpenAPI before the ML schemas are built.
import { createApp } from '../../api/app';
import { ModelStore } from '../../activities/ml/model-store';
import { recipientOf } from '../../db/repositories/messages';
import { testLogger } from '../helpers/logger';
import { freePort } from '../helpers/ports';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres';

const CRM = 'lead-phone-crm-key-0123456789abcd';

describe('phone numbers at lead intake', () => {
  let pg: TestPostgres;
  let server: Server;
  let base: string;
  const client = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: {
      start: async () => undefined,
      signalWithStart: async () => undefined,
      getHandle: () => ({
        describe: async () => ({ status: { name: 'RUNNING' } }),
        query: async () => null,
      }),
    },
  } as unknown as Client;

  const post = (body: unknown) =>
    fetch(`${base}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CRM}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const lead = (phone: string, email?: string) => ({
    firstName: 'Pho',
    lastName: 'Ne',
    phone,
    ...(email && { email }),
    address: { street: '3 Oak St', city: 'Troy', state: 'MI', zip: '48083' },
    source: 'website',
  });
  const count = async (table: 'leads' | 'contacts') =>
    Number(
      (
        await pg.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    pg = await startTestPostgres();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const app = createApp({
      db: pg.db,
      client,
      logger: testLogger,
      apiKeys: [{ key: CRM, role: 'crm' }],
      taskQueue: 'q',
      dedupeWindowHours: 24,
      temporalTimeoutMs: 1000,
      modelStore: new ModelStore(),
      promotionMargin: 0.005,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
  });
  afterAll(async () => {
    server?.close();
    await pg?.stop();
  });

  it('refuses a number that cannot exist with 422 problem+json naming the field, and stores nothing', async () => {
    for (const phone of ['+10000000000', '(555) 123-4567']) {
      const res = await post(lead(phone, 'nobody@example.com'));
      expect(res.status, phone).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await res.json()) as { errors: { path: string; message: string }[] };
      expect(problem.errors).toEqual([{ path: 'phone', message: expect.stringMatching(/not a valid phone number/) }]);
    }
    expect(await count('leads')).toBe(0);
    expect(await count('contacts')).toBe(0);
  });

  it('stores a real number in E.164 with its line type, shows it on the lead, and the recipient lookup has it', async () => {
    const landline = await post(lead('+44 20 7183 8750'));
    expect(landline.status).toBe(202);
    const { leadId } = (await landline.json()) as { leadId: string };
    const view = (await (
      await fetch(`${base}/api/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${CRM}` } })
    ).json()) as { contact: { id: string; phone: string; phoneLineType: string } };
    expect(view.contact).toMatchObject({ phone: '+442071838750', phoneLineType: 'fixed_line' });
    expect(await recipientOf(pg.db, view.contact.id)).toMatchObject({
      phone: '+442071838750',
      phoneLineType: 'fixed_line',
    });

    const us = await post(lead('(248) 555-0177'));
    expect(us.status).toBe(202);
    const usView = (await (
      await fetch(`${base}/api/v1/leads/${((await us.json()) as { leadId: string }).leadId}`, {
        headers: { authorization: `Bearer ${CRM}` },
      })
    ).json()) as { contact: { phone: string; phoneLineType: string } };
    expect(usView.contact).toMatchObject({ phone: '+12485550177', phoneLineType: 'fixed_line_or_mobile' });

    // Email only: no number, no line type.
    const mailOnly = await fetch(`${base}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CRM}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...lead('x'), phone: undefined, email: 'mail-only@example.com' }),
    });
    expect(mailOnly.status).toBe(202);
    const mailView = (await (
      await fetch(`${base}/api/v1/leads/${((await mailOnly.json()) as { leadId: string }).leadId}`, {
        headers: { authorization: `Bearer ${CRM}` },
      })
    ).json()) as { contact: { phone: string | null; phoneLineType: string | null } };
    expect(mailView.contact).toMatchObject({ phone: null, phoneLineType: null });
  });

  it('the OpenAPI document describes the line type', async () => {
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
      components: {
        schemas: {
          Lead: { properties: { contact: { properties: Record<string, unknown> } } };
          CreateLead: { properties: Record<string, unknown> };
        };
      };
    };
    const prop = doc.components.schemas.Lead.properties.contact.properties.phoneLineType;
    expect(JSON.stringify(prop)).toContain('fixed_line_or_mobile');
    expect(JSON.stringify(doc.components.schemas.CreateLead.properties.phone)).toMatch(/can exist/);
  });
});
