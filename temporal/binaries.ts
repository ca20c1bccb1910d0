// Where the Temporal binaries come from: TEMPORAL_CLI, else `temporal` on PATH, else the
// project-local venv that `make` fills from requirements-dev.txt. Nothing downloads at run time.
import fs from 'node:fs';
import path from 'node:path';

const projectRoot = path.resolve(__dirname, '..');
export const venvBin = (name: string): string => path.join(projectRoot, '.venv', 'bin', name);

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function temporalCliPath(explicit = process.env.TEMPORAL_CLI): string {
  const found = explicit ?? onPath('temporal') ?? venvBin('temporal');
  if (!fs.existsSync(found)) {
    throw new Error(`Temporal CLI not found at ${found}: run \`make install\` or set TEMPORAL_CLI`);
  }
  return found;
}

export function temporalTestServerPath(): string {
  const found = process.env.TEMPORAL_TEST_SERVER ?? venvBin('temporal-test-server');
  if (!fs.existsSync(found)) {
    throw new Error(`Temporal test server not found at ${found}: run \`make install\` or set TEMPORAL_TEST_SERVER`);
  }
  return found;
}
