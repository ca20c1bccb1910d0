// After hours with nobody on call (issue 22 item 5): the lead is assigned to the first rep on shift
// and its SLA starts then, so the customer is told at once that we have their request and when the
// rep will call. Through the messaging gateway (consent, suppression), transactional, by email: an
// email is never held by quiet hours, where an SMS at night would be held until the morning — when
// the rep calls anyway. No email address, or blocked: nothing else is tried; the backlog shows it.
import { sendMessage } from '../messaging/send';
import type { AfterHoursAssignment } from './types';

/** One acknowledgement per lead, whatever the attempt or run: the gateway sends a key once. */
export const ackKey = (workflowId: string): string => `${workflowId}:after-hours-ack`;

export async function acknowledgeAfterHours(
  workflowId: string,
  leadId: string,
  repName: string,
  afterHours: AfterHoursAssignment,
): Promise<{ status: string; channel: string }> {
  const firstName = repName.split(' ')[0] ?? repName;
  const outcome = await sendMessage({
    idempotencyKey: ackKey(workflowId),
    workflowId,
    contactId: afterHours.contactId,
    leadId,
    channel: 'email',
    kind: 'transactional',
    plan: 'other',
    subject: 'We have your request',
    text:
      `Thank you for contacting iSwitch Roofs. Our team is out of the office right now; ` +
      `${firstName} has your request and will call you when we open (${afterHours.shiftStarts}).`,
  });
  return { status: outcome.status, channel: 'email' };
}
