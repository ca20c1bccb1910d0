// The one description of every table, so queries are typed end to end.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { WorkingHours } from '../workflows/lead-intake/rules/choose-rep';
import type { PhoneLineType } from '../workflows/lead-intake/rules/lead';

/** Set by the database default; never written by the app. */
type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date>;
type Json<T> = ColumnType<T, string, string>;

export interface ContactsTable {
  id: string;
  first_name: string;
  last_name: string;
  /** E.164. */
  phone: string | null;
  /** Of `phone`, where its numbering plan tells; null without a phone or for contacts stored before it was recorded. */
  phone_line_type: ColumnType<PhoneLineType | null, PhoneLineType | null | undefined, PhoneLineType | null>;
  email: string | null;
  preferred_language: string | null;
  /** When the contact's journey was first asked for; later leads only tell that journey, never start another. */
  journey_requested_at: ColumnType<Date | null, never, Date>;
  created_at: CreatedAt;
}

export interface LeadsTable {
  id: string;
  contact_id: string;
  source: string;
  street: string;
  city: string;
  state: string;
  zip: string;
  property: Json<Record<string, unknown>>;
  signals: Json<Record<string, unknown>>;
  notes: string | null;
  temperature: string | null;
  temperature_score: number | null;
  temperature_reasons: Json<string[]> | null;
  /** Monotonic per workflow: a retried, older write never overwrites a newer one. */
  temperature_revision: Generated<number>;
  stage: Generated<string>;
  workflow_id: string;
  workflow_started_at: Generated<Date | null>;
  idempotency_key: string | null;
  request_hash: string;
  is_vip: Generated<boolean>;
  vip_reasons: Json<string[]> | null;
  prediction: Json<Record<string, unknown>> | null;
  enrichment: Json<Record<string, unknown>> | null;
  assigned_rep_id: string | null;
  sla_deadline: Date | null;
  accepted_at: Date | null;
  contacted_at: Date | null;
  deal_value: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RepsTable {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  territories: string[];
  skills: string[];
  languages: string[];
  max_active_leads: Generated<number>;
  performance_tier: string;
  active: Generated<boolean>;
  role: Generated<'rep' | 'manager'>;
  manager_id: string | null;
  time_zone: Generated<string>;
  /** Day (mon…sun) → [start, end] local "HH:MM"; a missing day is a day off. */
  working_hours: ColumnType<WorkingHours, string | undefined, string>;
  close_rate: Generated<number>;
  avg_deal_size: Generated<number>;
  active_leads: Generated<number>;
  assigned_total: Generated<number>;
  created_at: CreatedAt;
  /** Smooth weighted round-robin credits, overall and for premium leads (rules/choose-rep.ts). */
  rotation_credit: Generated<number>;
  premium_credit: Generated<number>;
  /** A new hire is standard from this day on (YYYY-MM-DD). */
  training_ends_on: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RepTimeOffTable {
  id: Generated<string>;
  rep_id: string;
  starts_at: Date;
  ends_at: Date;
  reason: Generated<string>;
  created_at: CreatedAt;
}

export interface LeadAssignmentsTable {
  lead_id: string;
  attempt: number;
  rep_id: string;
  status: Generated<'active' | 'ended'>;
  end_reason: string | null;
  assigned_at: Generated<Date>;
  sla_deadline: Date;
  accepted_at: Date | null;
  contacted_at: Date | null;
  ended_at: Date | null;
  /** The lead's quality when the rep received it (null before 0018). */
  temperature: string | null;
  is_vip: boolean | null;
  premium: boolean | null;
  value: number | null;
  /** Made while nobody was on shift: by the on-call rota, or to the first rep on shift (0019). */
  after_hours: 'on_call' | 'next_shift' | null;
  /** When the SLA clock starts: the rep's shift start for `next_shift`; null: at assignment. */
  sla_starts_at: Date | null;
}

/** The on-call rota: a rep or manager who takes leads in [starts_at, ends_at) whatever their hours. */
export interface OnCallTable {
  id: Generated<string>;
  person_id: string;
  starts_at: Date;
  ends_at: Date;
  note: Generated<string>;
  created_at: CreatedAt;
}

export interface AssignmentAuditTable {
  lead_id: string;
  attempt: number;
  chosen_rep_id: string | null;
  outcome: 'assigned' | 'no_rep_available';
  decision: Json<Record<string, unknown>>;
  decided_at: Generated<Date>;
}

export interface RepTierChangesTable {
  id: Generated<number>;
  run_id: string;
  rep_id: string;
  from_tier: string;
  to_tier: string;
  close_rate_before: number;
  close_rate_after: number;
  closed_leads: number;
  won_leads: number;
  reason: string;
  changed_at: CreatedAt;
}

export interface NotificationsTable {
  key: string;
  recipient: string;
  kind: string;
  lead_id: string | null;
  payload: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  read_at: Date | null;
}

export interface AppMetaTable {
  key: string;
  value: Json<unknown>;
  updated_at: UpdatedAt;
}

export interface MlRetrainsTable {
  id: string;
  seq: Generated<string>;
  version: string;
  trigger: string;
  status: Generated<string>;
  export_csv: string | null;
  data_summary: Json<Record<string, unknown>> | null;
  champion_generation: number | null;
  evaluation: Json<unknown> | null;
  created_at: CreatedAt;
  finished_at: Date | null;
}

export interface MlModelVersionsTable {
  model: string;
  version: string;
  /** The registry entry (models/README.md): features, scaling, explanation weights, metrics. */
  entry: Json<Record<string, unknown>>;
  onnx: Buffer;
  sha256: string;
  holdout_csv: string | null;
  origin: 'bundled' | 'retrain';
  retrain_id: string | null;
  status: 'champion' | 'challenger' | 'rejected' | 'superseded' | 'retired';
  decision: Json<Record<string, unknown>> | null;
  created_at: CreatedAt;
  decided_at: Date | null;
}

export interface MlChampionsTable {
  model: string;
  version: string;
  promoted_at: Generated<Date>;
}

export interface MlChampionStateTable {
  id: Generated<boolean>;
  generation: number;
  updated_at: UpdatedAt;
}

export interface Database {
  contacts: ContactsTable;
  leads: LeadsTable;
  reps: RepsTable;
  app_meta: AppMetaTable;
  ml_retrains: MlRetrainsTable;
  ml_model_versions: MlModelVersionsTable;
  ml_champions: MlChampionsTable;
  ml_champion_state: MlChampionStateTable;
  rep_time_off: RepTimeOffTable;
  on_call: OnCallTable;
  lead_assignments: LeadAssignmentsTable;
  assignment_audit: AssignmentAuditTable;
  rep_tier_changes: RepTierChangesTable;
  notifications: NotificationsTable;
  messages: MessagesTable;
  channel_consents: ChannelConsentsTable;
  consent_events: ConsentEventsTable;
  webhook_events: WebhookEventsTable;
  workflow_signals: WorkflowSignalsTable;
  interactions: InteractionsTable;
  postcards: PostcardsTable;
  deals: DealsTable;
  deal_events: DealEventsTable;
  cadences: CadencesTable;
  cadence_holds: CadenceHoldsTable;
  cadence_touches: CadenceTouchesTable;
  message_waits: MessageWaitsTable;
  local_deliveries: LocalDeliveriesTable;
  webhook_arrivals: WebhookArrivalsTable;
  rate_limits: RateLimitsTable;
}

/** The API's rate-limit counters (api/rate-limit.ts): written by rate-limiter-flexible's Postgres store. */
export interface RateLimitsTable {
  key: string;
  points: Generated<number>;
  /** Epoch milliseconds at which the window ends. */
  expire: number | null;
}

export interface DealsTable {
  id: string;
  lead_id: string;
  contact_id: string;
  stage: Generated<string>;
  value: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DealEventsTable {
  id: Generated<string>;
  deal_id: string;
  event: string;
  stage_after: string;
  details: Json<Record<string, unknown>> | null;
  client_key: string | null;
  occurred_at: Date;
  recorded_at: CreatedAt;
}

export interface PostcardsTable {
  message_id: string;
  address: string;
  pdf: Buffer;
  created_at: CreatedAt;
}

export interface InteractionsTable {
  id: string;
  contact_id: string;
  lead_id: string | null;
  channel: string;
  direction: 'outbound' | 'inbound' | 'internal';
  summary: string;
  body: string | null;
  sentiment: number | null;
  duration_seconds: number | null;
  outcome: string | null;
  rep_id: string | null;
  source_key: string | null;
  occurred_at: Date;
  created_at: CreatedAt;
}

export interface WebhookEventsTable {
  provider: string;
  event_id: string;
  kind: string;
  message_id: string | null;
  payload: Json<Record<string, unknown>>;
  received_at: CreatedAt;
}

/** Signal-with-start: what starts the workflow if it is not running (see activities/workflow-signals.ts). */
export interface WorkflowSignalStart {
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  /** By name, from temporal/search-attributes.ts (ids and stages only: not encrypted). */
  searchAttributes?: Record<string, string | number | boolean>;
  staticSummary?: string;
}

/** A signal a change owes a workflow (the outbox): written with the change, delivered after commit. */
export interface WorkflowSignalsTable {
  /** bigserial: a workflow's signals are delivered in this order (int8, read as a string). */
  id: Generated<string>;
  /** The change that owes it, e.g. `webhook:twilio:sms:SM…`, `deal-event:42`, `lead:<id>`. */
  source: string;
  workflow_id: string;
  signal: string;
  args: Json<unknown[]>;
  start: Json<WorkflowSignalStart> | null;
  created_at: CreatedAt;
  next_attempt_at: Generated<Date>;
  attempts: Generated<number>;
  done_at: Date | null;
  outcome: 'delivered' | 'dropped' | 'dead' | null;
  last_error: string | null;
}

export interface MessageWaitsTable {
  idempotency_key: string;
  contact_id: string;
  plan: string;
  not_before: Date;
  updated_at: UpdatedAt;
}

/** What the local providers were given: one row per provider call (a duplicate call is two rows). */
export interface LocalDeliveriesTable {
  id: Generated<string>;
  message_id: string;
  channel: string;
  to_address: string;
  delivered_at: CreatedAt;
}

export interface MessagesTable {
  id: string;
  idempotency_key: string;
  workflow_id: string | null;
  contact_id: string;
  lead_id: string | null;
  channel: string;
  kind: Generated<string>;
  to_address: string;
  subject: string | null;
  body_text: string;
  body_html: string | null;
  template: string | null;
  /** sending (recorded, not confirmed) | sent | delivered | failed | blocked (consent, found on a retry) */
  status: string;
  provider: string;
  provider_message_id: string | null;
  /** Why a message failed or was blocked: `<reason>[: <provider code>]` (invalid_number: twilio 21211, opted_out…). */
  error: string | null;
  created_at: CreatedAt;
  sent_at: Date | null;
  updated_at: UpdatedAt;
}

export interface ChannelConsentsTable {
  channel: string;
  address: string;
  status: 'subscribed' | 'opted_out' | 'suppressed';
  reason: string | null;
  source: string;
  changed_at: Generated<Date>;
  /** When the change took effect (the provider's event time, or when we first received it): the latest wins. */
  effective_at: Generated<Date>;
}

export interface ConsentEventsTable {
  id: Generated<string>;
  channel: string;
  address: string;
  status: string;
  source: string;
  detail: Json<Record<string, unknown>> | null;
  created_at: CreatedAt;
  /** When the change took effect; history in effect order is ordered by this, not by `created_at`. */
  effective_at: Generated<Date>;
}

/** When each provider event first reached us (kept even when applying it failed). */
export interface WebhookArrivalsTable {
  provider: string;
  event_id: string;
  first_seen_at: CreatedAt;
}

export type Rep = Selectable<RepsTable>;

export type Lead = Selectable<LeadsTable>;
export type Contact = Selectable<ContactsTable>;
export type NewRep = Insertable<RepsTable>;

export interface CadencesTable {
  id: string;
  workflow_id: string;
  contact_id: string;
  lead_id: string;
  rep_id: string | null;
  definition: string;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  touches: Generated<number>;
  /** When the claim reconciler last found the run's workflow still running. */
  workflow_checked_at: Date | null;
}

export interface CadenceHoldsTable {
  id: string;
  scope: 'lead' | 'rep' | 'definition';
  target: string;
  reason: string;
  created_by: string | null;
  created_at: Generated<Date>;
  released_at: Date | null;
}

export interface CadenceTouchesTable {
  cadence_id: string;
  touch_no: number;
  step: string;
  variant: string;
  channel: string;
  message_id: string | null;
  sent_at: Date;
  opened: Generated<boolean>;
  clicked: Generated<boolean>;
  replied: Generated<boolean>;
}
