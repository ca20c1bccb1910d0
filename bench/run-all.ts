// `make bench`: every benchmark at a quick size, one after another, each table printed as its
// benchmark prints it, under a header naming the commit and date (a figure copied into
// docs/benchmarks.md carries both). Quick sizes show a regression in minutes; the documented figures
// use each benchmark's full size (the commands in docs/benchmarks.md).
// Run: node --import tsx bench/run-all.ts [name…]   (names: the files below, without .ts)
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { benchCommit } from './commit';

/** Each benchmark with its quick arguments (see its header for what they mean). */
export const QUICK: Record<string, string[]> = {
  'sqlite-pragmas': ['100', '10'],
  'lead-routing': ['20', '5', '100', '10'],
  'lead-profile': ['20', '5'],
  'messaging-gateway': ['500'],
  'ml-inference': ['1000', '5'],
  cadences: ['1000', '200', '20', '30'],
  'model-retrain': ['1'],
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in QUICK));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(QUICK).join(', ')}\n`);
  process.exit(2);
}
const names = wanted.length ? wanted : Object.keys(QUICK);
process.stdout.write(
  `# make bench — commit ${benchCommit()}, ${new Date().toISOString()}, ${os.cpus().length} cores, quick sizes\n\n`,
);
let failed = 0;
for (const name of names) {
  const args = QUICK[name]!;
  const command = `node --import tsx bench/${name}.ts ${args.join(' ')}`;
  process.stdout.write(`## ${name}\n\n\`${command}\`\n\n`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, `${name}.ts`), ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) failed++;
  process.stdout.write(
    `\n(${name}: ${run.status === 0 ? 'done' : `FAILED (exit ${run.status ?? run.signal})`} in ${((Date.now() - started) / 1000).toFixed(0)} s)\n\n`,
  );
}
process.exit(failed ? 1 : 0);
