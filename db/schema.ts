// The one description of every table, so queries are typed end to end.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Set by the database default; never written by the app. */
type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date>;
type Json<T> = ColumnType<T, string, string>;

export interface ContactsTable {
  id: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  email: string | null;
  preferred_language: string | null;
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
  created_at: CreatedAt;
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
}

export type Lead = Selectable<LeadsTable>;
export type Contact = Selectable<ContactsTable>;
export type NewRep = Insertable<RepsTable>;
