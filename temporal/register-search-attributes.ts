// Registers our search attributes on a server we did not launch (TEMPORAL_ADDRESS, the test server).
// Kept apart from search-attributes.ts because workflow code imports that file and must not pull in protos.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { searchAttributes } from './search-attributes';

export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  // The time-skipping test server cannot list attributes (UNIMPLEMENTED): then add them all.
  const existing = await connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
  const known = new Set(Object.keys(existing?.customAttributes ?? {}));
  const missing = searchAttributes.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  const types = temporal.api.enums.v1.IndexedValueType;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, types[`INDEXED_VALUE_TYPE_${k.type}` as keyof typeof types]]),
    ),
  });
  return missing.map((k) => k.name);
}
