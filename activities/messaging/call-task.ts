// Outbound calls without a voice provider are tasks for people: the lead's rep (or ops, when nobody
// holds the lead) is asked to make the call, with the number and what to say.
import type { Kysely } from 'kysely';
import { notify } from '../../db/repositories/notifications';
import type { Database } from '../../db/schema';
import type { MessageProvider } from './contract';

export function callTaskProvider(db: Kysely<Database>): MessageProvider {
  return {
    name: 'call-task',
    async send(m, via) {
      const q = via?.db ?? db; // the send's own connection (see SendVia)
      const lead = m.leadId
        ? await q.selectFrom('leads').select(['id', 'assigned_rep_id']).where('id', '=', m.leadId).executeTakeFirst()
        : undefined;
      await notify(q, {
        key: `call-task:${m.id}`,
        recipient: lead?.assigned_rep_id ? `rep:${lead.assigned_rep_id}` : 'ops',
        kind: 'call_task',
        leadId: lead?.id ?? null,
        payload: { messageId: m.id, phone: m.to, script: m.text },
      });
      return { providerMessageId: `call-task-${m.id}` };
    },
    // The task is the delivery: a retry finds it instead of asking twice.
    async alreadySent(m, earlier) {
      const task = await (earlier.db ?? db)
        .selectFrom('notifications')
        .select('key')
        .where('key', '=', `call-task:${m.id}`)
        .executeTakeFirst();
      return task ? `call-task-${m.id}` : undefined;
    },
  };
}
