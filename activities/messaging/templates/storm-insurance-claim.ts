// Roadmap 4.3 A's personalised email: an older roof near last week's hail, a neighbour who upgraded
// through insurance, and an inspection offer from the lead's rep.
import { z } from 'zod';
import type { MessageTemplate } from '../contract';

const variables = z.strictObject({
  first_name: z.string().min(1),
  address: z.string().min(1),
  city: z.string().min(1),
  year_built: z.number().int().min(1800).max(2100),
  storm_date: z.string().min(1),
  nearby_address: z.string().min(1),
  property_value: z.string().min(1).describe('formatted, e.g. 720,000'),
  available_dates: z.string().min(1),
  sales_rep_name: z.string().min(1),
  sales_rep_phone: z.string().min(1),
});

export const stormInsuranceClaimV1: MessageTemplate<typeof variables> = {
  name: 'storm-insurance-claim',
  version: 1,
  channel: 'email',
  variables,
  subject: 'Your {{year_built}} {{city}} roof may qualify for an insurance claim',
  text: `Hi {{first_name}},

I noticed your property at {{address}} in {{city}} was built in {{year_built}}, which means your roof is likely nearing the end of its 30-year lifespan.

Last week's hail storm on {{storm_date}} caused significant damage to roofs in your area. Your neighbors at {{nearby_address}} recently upgraded to impact-resistant shingles through their insurance coverage.

Given your home's value (\${{property_value}}), we recommend our premium architectural shingles that complement {{city}}'s luxury aesthetic.

Would you like a complimentary inspection this week? I have availability on {{available_dates}}.

Best regards,
{{sales_rep_name}}
{{sales_rep_phone}}`,
  html: `<p>Hi {{first_name}},</p>
<p>I noticed your property at {{address}} in {{city}} was built in {{year_built}}, which means your roof is likely nearing the end of its 30-year lifespan.</p>
<p>Last week's hail storm on {{storm_date}} caused significant damage to roofs in your area. Your neighbors at {{nearby_address}} recently upgraded to impact-resistant shingles through their insurance coverage.</p>
<p>Given your home's value (\${{property_value}}), we recommend our premium architectural shingles that complement {{city}}'s luxury aesthetic.</p>
<p>Would you like a complimentary inspection this week? I have availability on {{available_dates}}.</p>
<p>Best regards,<br>{{sales_rep_name}}<br>{{sales_rep_phone}}</p>`,
};
