// Every migration, in order. A static list (not a folder scan) so bundlers and tests see the same set.
import type { Migration } from 'kysely';
import * as m0001 from './0001_leads_contacts_reps';
import * as m0002 from './0002_lead_workflow_started';
import * as m0003 from './0003_ml_models';
import * as m0004 from './0004_routing';
import * as m0005 from './0005_messaging';
import * as m0006 from './0006_webhook_events';
import * as m0007 from './0007_interactions';
import * as m0008 from './0008_postcards';
import * as m0009 from './0009_deals';
import * as m0010 from './0010_cadences';
import * as m0011 from './0011_webhook_signals';
import * as m0012 from './0012_contact_phone_line_type';
import * as m0013 from './0013_message_waits';
import * as m0014 from './0014_local_deliveries';
import * as m0015 from './0015_consent_effect_order';
import * as m0016 from './0016_rate_limits';
import * as m0017 from './0017_workflow_signals';
import * as m0018 from './0018_rep_fairness';
import * as m0019 from './0019_on_call';

export const migrations: Record<string, Migration> = {
  '0001_leads_contacts_reps': m0001,
  '0002_lead_workflow_started': m0002,
  '0003_ml_models': m0003,
  '0004_routing': m0004,
  '0005_messaging': m0005,
  '0006_webhook_events': m0006,
  '0007_interactions': m0007,
  '0008_postcards': m0008,
  '0009_deals': m0009,
  '0010_cadences': m0010,
  '0011_webhook_signals': m0011,
  '0012_contact_phone_line_type': m0012,
  '0013_message_waits': m0013,
  '0014_local_deliveries': m0014,
  '0015_consent_effect_order': m0015,
  '0016_rate_limits': m0016,
  '0017_workflow_signals': m0017,
  '0018_rep_fairness': m0018,
  '0019_on_call': m0019,
};
