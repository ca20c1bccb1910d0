// One structured logger (pino) for every process; children carry request and workflow ids.
// A terminal (`make start` in a shell) gets human-readable lines; anything else — a container, CI,
// a pipe — one JSON object per line, as log collectors expect.
import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/** Where log lines go: stdout, or (in tests) any writer that says whether it is a terminal. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function createLogger(level: string, name = 'crm', output: LogOutput = process.stdout): Logger {
  return pino(
    {
      name,
      level,
      // Payloads hold names, phones and addresses: never log them by accident.
      redact: {
        paths: ['*.phone', '*.email', '*.firstName', '*.lastName', '*.address', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destinationFor(output),
  );
}

/** Readable lines for a terminal, JSON lines otherwise (undefined: pino's own stdout writer, flushed on exit). */
function destinationFor(output: LogOutput): DestinationStream | undefined {
  if (output.isTTY) return prettyLines(output);
  return output === process.stdout ? undefined : output;
}

// Formatted and written in the logging call, as a terminal's stdout writes: every line of a Ctrl-C
// shutdown is out before the process exits (pino's pretty transport would format on another thread).
function prettyLines(output: LogOutput): DestinationStream {
  const prettify = prettyFactory({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
  return { write: (line: string) => void output.write(prettify(line)) };
}
