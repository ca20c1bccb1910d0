// One structured logger (pino) for every process; children carry request and workflow ids.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'crm'): Logger {
  return pino({
    name,
    level,
    // Payloads hold names, phones and addresses: never log them by accident.
    redact: {
      paths: ['*.phone', '*.email', '*.firstName', '*.lastName', '*.address', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}
