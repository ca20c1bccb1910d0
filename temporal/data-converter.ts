// The one data converter shared by every client and worker connection.
import type { DataConverter } from '@temporalio/common';
import type { PayloadKey } from '../config/dev-secrets';
import { AesGcmPayloadCodec } from './codec';

export function createDataConverter(payloadKeys: PayloadKey[]): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(payloadKeys)] };
}
