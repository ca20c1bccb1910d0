// What each touchpoint of the journey says (roadmap 7.1 C, JOURNEY_STAGES). The title is the
// roadmap's line; no personal data: the gateway addresses the message to the contact. A call's
// text is a script: the rep's call task carries it, and a voice provider (TWILIO_CALLS) speaks it.
import type { Channel } from '../../activities/messaging/contract';
import type { TouchpointName } from './types';

const COPY: Record<TouchpointName, { title: string; text: string }> = {
  welcome_email: {
    title: 'Thank you for contacting iSwitch Roofs',
    text: 'Thank you for contacting iSwitch Roofs. A local roofing specialist will be in touch shortly; your roof inspection is free and comes with no obligation.',
  },
  inspection_sms: {
    title: 'When would you like your free inspection?',
    text: 'When would you like your free inspection? Reply with a day that suits you. - iSwitch Roofs',
  },
  educational_email: {
    title: '5 Signs Your Roof Needs Replacement',
    text: 'Curling shingles, granules in the gutters, daylight in the attic, sagging, and a roof past 20 years: the five signs your roof needs replacement, and what each costs to catch early.',
  },
  sales_call: {
    title: 'Personal follow-up call from sales rep',
    text: 'Hello from iSwitch Roofs, following up personally on your enquiry: we would love to book your free roof inspection. Which day this week suits you?',
  },

  quote_ready_email: {
    title: 'Your custom quote is ready',
    text: 'Your custom quote is ready: your rep has sent you your options and their prices. Reply with any questions.',
  },
  quote_questions_sms: {
    title: 'Questions about your quote?',
    text: 'Questions about your quote? Reply here and your iSwitch Roofs specialist will answer today.',
  },
  quote_no_response_call: {
    title: 'Follow-up call to answer questions',
    text: 'Hello from iSwitch Roofs, calling about the quote we sent last week: do you have any questions we can answer, or would you like us to walk you through the options?',
  },
  competitor_email: {
    title: 'Why customers choose us',
    text: 'Why customers choose us: licensed crews, a written workmanship warranty, transparent pricing and a rep who keeps you updated from the first visit to the final walkthrough.',
  },

  project_starting_email: {
    title: 'Project starting in 3 days - what to expect',
    text: 'Your project starts in 3 days. What to expect: the crew arrives in the morning, protects your landscaping, and your rep sends you progress updates as the work goes on.',
  },
  crew_arrived_sms: {
    title: 'Crew arrived, project beginning',
    text: 'Crew arrived, project beginning: the iSwitch Roofs crew is on site. Your rep will keep you posted on progress.',
  },
  final_walkthrough_call: {
    title: 'Final walkthrough scheduled',
    text: 'Hello from iSwitch Roofs: your roof is finished. We would like to schedule the final walkthrough with you; which time suits you?',
  },

  review_email: {
    title: 'How did we do? Please leave a review',
    text: 'How did we do? Please leave a review: it takes two minutes and helps your neighbours choose a roofer.',
  },
  review_sms: {
    title: 'Quick 2-minute review would help us',
    text: 'Quick 2-minute review would help us a lot. Thank you for choosing iSwitch Roofs!',
  },
  review_call: {
    title: 'Personal call to thank and request review',
    text: 'Hello from iSwitch Roofs, calling to thank you for choosing us for your roof. If you were happy with the work, a short review would mean a lot to our team.',
  },

  referral_email: {
    title: 'Refer a friend, earn $500 reward',
    text: 'Refer a friend, earn a $500 reward: when someone you refer signs with iSwitch Roofs, the reward is yours.',
  },
  vip_postcard: {
    title: 'Exclusive VIP maintenance offers',
    text: 'Exclusive VIP maintenance offers for iSwitch Roofs customers: a seasonal roof check and gutter clean at member prices.',
  },
  loyalty_gift_email: {
    title: 'Thank you gift for loyal customers',
    text: 'A thank-you gift for loyal customers: another year under an iSwitch roof, and a gift from us to say thanks.',
  },
};

/** The roadmap's line for a touchpoint (status and ops views). */
export const titleOf = (name: TouchpointName): string => COPY[name].title;

/** The message of a touchpoint on its channel: a subject only where the channel has one. */
export function copyFor(name: TouchpointName, channel: Channel): { subject?: string; text: string } {
  const { title, text } = COPY[name];
  return channel === 'email' || channel === 'postcard' || channel === 'call' ? { subject: title, text } : { text };
}
