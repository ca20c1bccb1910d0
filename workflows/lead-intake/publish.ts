// What ops managers read in the Web UI for a routed lead: search attributes (ids and flags only,
// never personal data: they are not encrypted) and a one-line summary.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import {
  AssignedRep,
  IsVip,
  LeadScore,
  SlaDeadline,
  Stage,
  Temperature,
  Territory,
} from '../../temporal/search-attributes';
import type { LeadIntakeInput, LeadStatus } from './types';

const hhmm = (iso: string): string => `${iso.slice(11, 16)} UTC`;

export function publish(status: LeadStatus, input: LeadIntakeInput): void {
  const { temperature, score } = status.temperature ?? { temperature: null, score: null };
  const a = status.assignment;
  const waitingOnRep = status.stage === 'assigned' && a && !a.contactedAt;
  upsertSearchAttributes([
    { key: Stage, value: status.stage },
    { key: Temperature, value: temperature },
    { key: LeadScore, value: score },
    { key: IsVip, value: status.vip?.isVip ?? false },
    {
      key: AssignedRep,
      value: a && status.stage !== 'waiting_for_rep' && status.stage !== 'escalated' ? a.repId : null,
    },
    { key: Territory, value: input.city },
    { key: SlaDeadline, value: waitingOnRep ? new Date(a.slaDeadline) : null },
  ]);
  const parts = [temperature ? `${temperature} ${score}` : 'unscored'];
  if (status.vip?.isVip) parts.push('VIP');
  if (waitingOnRep) parts.push(`waiting for ${a.repName}, SLA ${hhmm(a.slaDeadline)}`);
  else if (status.stage === 'contacted' && a) parts.push(`contacted by ${a.repName}`);
  else parts.push(status.stage.replace(/_/g, ' '));
  if (status.breaches) parts.push(`${status.breaches} SLA breach${status.breaches > 1 ? 'es' : ''}`);
  parts.push(`${input.source} · ${input.city} ${input.zip}`);
  setCurrentDetails(parts.join(' · '));
}
