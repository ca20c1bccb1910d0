import type { Kysely } from 'kysely';

// What kind of line a contact's phone number is (mobile, fixed_line, fixed_line_or_mobile, voip,
// toll_free, unknown), recorded at intake from the numbering plan; null without a number, and for
// contacts stored before this column.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('phone_line_type', 'text').execute();
}
