// Runs the Python trainer from an activity: heartbeats with its latest progress line (so a hung or
// lost run is noticed within the heartbeat timeout) and kills it when the activity is cancelled.
import { spawn } from 'node:child_process';
import { Context } from '@temporalio/activity';

const HEARTBEAT_MS = 2000;

/** Runs `python script args…`; resolves with its stdout, rejects with stderr's tail. */
export function runPython(python: string, script: string, args: string[], cwd: string): Promise<string> {
  const ctx = Context.current();
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const stderr: string[] = [];
    let progress = 'starting';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        stderr.push(line);
        progress = line;
      }
      if (stderr.length > 50) stderr.splice(0, stderr.length - 50);
    });
    const beat = setInterval(() => ctx.heartbeat({ progress }), HEARTBEAT_MS);
    ctx.heartbeat({ progress });
    const onCancel = () => child.kill('SIGKILL');
    ctx.cancellationSignal.addEventListener('abort', onCancel);
    const done = () => {
      clearInterval(beat);
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
    };
    child.on('error', (err) => {
      done();
      reject(new Error(`${python}: ${err.message} (set ML_PYTHON, or run make install)`));
    });
    child.on('close', (code, signal) => {
      done();
      if (ctx.cancellationSignal.aborted) return reject(ctx.cancellationSignal.reason as Error);
      if (code === 0) return resolve(stdout);
      reject(new Error(`${script} exited with ${code ?? signal}: ${stderr.slice(-5).join(' | ')}`));
    });
  });
}
