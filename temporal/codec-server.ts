// Remote codec endpoint for the Temporal Web UI (`--ui-codec-endpoint`): lets ops managers read
// encrypted workflow inputs and results in the browser. Loopback by default, CORS limited to the
// Web UI's origin, and a bearer credential required whenever CODEC_ACCESS_TOKENS is set (always
// when bound beyond loopback; see docs/codec-server.md for putting it behind SSO).
import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Logger } from '../config/logger';

const jsonPayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })),
});
type JsonPayload = z.infer<typeof jsonPayloads>['payloads'][number];

/** The Web UI's JSON form of a payload: metadata values and data base64-encoded. */
export const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
export const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface CodecServerOptions {
  codec: PayloadCodec;
  corsOrigins: string[];
  accessTokens: string[];
  logger: Logger;
}

export function createCodecServer({ codec, corsOrigins, accessTokens, logger }: CodecServerOptions): Express {
  const app = express();
  app.disable('x-powered-by');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin && corsOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Vary', 'Origin');
    } else if (origin) {
      res.status(403).type('application/problem+json').json({ title: 'Origin not allowed', status: 403 });
      return;
    }
    if (req.method === 'OPTIONS') {
      res.sendStatus(204);
      return;
    }
    next();
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (accessTokens.length === 0) return next();
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token && accessTokens.some((t) => sameSecret(t, token))) return next();
    res
      .status(401)
      .setHeader('WWW-Authenticate', 'Bearer')
      .type('application/problem+json')
      .json({ title: 'Unauthorized', status: 401 });
  });

  app.use(express.json({ limit: '8mb' }));

  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/${direction}`, async (req: Request, res: Response) => {
      const body = jsonPayloads.safeParse(req.body);
      if (!body.success) {
        res.status(422).type('application/problem+json').json({ title: 'Expected {"payloads": [...]}', status: 422 });
        return;
      }
      try {
        const out = await codec[direction](body.data.payloads.map(fromJson));
        res.json({ payloads: out.map(toJson) });
      } catch (err) {
        logger.warn({ err: (err as Error).message, direction }, 'codec request failed');
        res
          .status(422)
          .type('application/problem+json')
          .json({ title: `Cannot ${direction} payloads`, status: 422 });
      }
    });
  }

  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res
      .status(err.status && err.status < 500 ? err.status : 400)
      .type('application/problem+json')
      .json({ title: 'Bad request', status: 400 });
  });
  return app;
}
