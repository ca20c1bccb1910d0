// The one list of custom search attributes: the dev-server launcher registers exactly these,
// and workflows and clients set them through these typed keys.
// Search attributes are NOT encrypted by the payload codec: never put personal data in them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LeadId = defineSearchAttributeKey('LeadId', SearchAttributeType.KEYWORD);
export const LeadSource = defineSearchAttributeKey('LeadSource', SearchAttributeType.KEYWORD);
export const Temperature = defineSearchAttributeKey('Temperature', SearchAttributeType.KEYWORD);
export const LeadScore = defineSearchAttributeKey('LeadScore', SearchAttributeType.INT);
export const Stage = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
export const IsVip = defineSearchAttributeKey('IsVip', SearchAttributeType.BOOL);
/** A rep id (never a name: search attributes are not encrypted). */
export const AssignedRep = defineSearchAttributeKey('AssignedRep', SearchAttributeType.KEYWORD);
export const Territory = defineSearchAttributeKey('Territory', SearchAttributeType.KEYWORD);
export const SlaDeadline = defineSearchAttributeKey('SlaDeadline', SearchAttributeType.DATETIME);
/** A contact id: the customer a journey belongs to. */
export const CustomerId = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);

export const searchAttributes = [
  LeadId,
  LeadSource,
  Temperature,
  LeadScore,
  Stage,
  IsVip,
  AssignedRep,
  Territory,
  SlaDeadline,
  CustomerId,
] as const;

/** `Name=Type` pairs as `temporal server start-dev --search-attribute` expects them. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    TEXT: 'Text',
    INT: 'Int',
    DOUBLE: 'Double',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return searchAttributes.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}
