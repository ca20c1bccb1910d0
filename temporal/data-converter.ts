// The one data converter shared by every client and worker connection: payloads encrypted, and
// failures' messages and stack traces with them (temporal/failure-converter.ts).
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { PayloadKey } from '../config/dev-secrets';
import { AesGcmPayloadCodec, type CodecOptions } from './codec';

/** For bundleWorkflowCode: workflow code converts its own failures inside the sandbox. */
export const failureConverterPath = path.resolve(__dirname, 'failure-converter.cjs');

export function createDataConverter(payloadKeys: PayloadKey[], options: CodecOptions = {}): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(payloadKeys, options)], failureConverterPath };
}
