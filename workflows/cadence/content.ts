// What each kind of touch says. No personal data: the gateway addresses the message to the contact.
import type { CadenceChannel, Content } from './rules/plan';

const COPY: Record<Content, { subject: string; text: string }> = {
  sales: {
    subject: 'Your free roof inspection',
    text: 'iSwitch Roofs here: we have inspection slots this week in your area. Reply or call us to book yours.',
  },
  educational: {
    subject: 'Five signs your roof needs attention',
    text: 'No pressure from us — here are five signs a roof needs attention, and what each one costs to fix early.',
  },
  proposal: {
    subject: 'Preparing your roofing proposal',
    text: 'Your iSwitch Roofs rep will prepare your proposal: the options for your roof and what each costs. Reply with questions.',
  },
};

export function copyFor(content: Content, channel: CadenceChannel): { subject?: string; text: string } {
  const c = COPY[content];
  return channel === 'email' || channel === 'postcard' ? c : { text: c.text };
}
