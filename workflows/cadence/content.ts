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
  // PAUSE's second kind of touch (4.3 C "Re-engage with value-add content"): something useful, no ask.
  value_add: {
    subject: 'A free roof maintenance checklist for your home',
    text: 'iSwitch Roofs: a seasonal maintenance checklist for your roof and gutters, free to keep. Nothing to buy.',
  },
  // ADJUST's content types in turn (4.3 C "Vary content types").
  testimonial: {
    subject: 'What your neighbours say about their new roof',
    text: 'iSwitch Roofs: "On time, on budget, spotless cleanup" — read what homeowners near you say about their roof.',
  },
  offer: {
    subject: 'This month: a free gutter inspection with your roof inspection',
    text: 'iSwitch Roofs: book your free roof inspection this month and we check your gutters too, at no cost. Reply to book.',
  },
  seasonal: {
    subject: 'Is your roof ready for the season?',
    text: 'iSwitch Roofs: the weather is turning. A free inspection now finds small problems before they become leaks.',
  },
  storm: {
    subject: 'Storm damage? Free inspection this week',
    text: 'iSwitch Roofs: after the recent storms we are inspecting roofs in your area for free. Reply to book yours.',
  },
  proposal: {
    subject: 'Preparing your roofing proposal',
    text: 'Your iSwitch Roofs rep will prepare your proposal: the options for your roof and what each costs. Reply with questions.',
  },
};

export function copyFor(content: Content, channel: CadenceChannel): { subject?: string; text: string } {
  const c = COPY[content] ?? COPY.sales;
  return channel === 'email' || channel === 'postcard' ? c : { text: c.text };
}
