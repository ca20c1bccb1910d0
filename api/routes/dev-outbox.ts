// The dev outbox (offline messaging): every message the local providers delivered, rendered as the
// recipient would see it, and buttons to act as the recipient — reply, STOP, open, click, bounce.
// Each action is sent as the provider would send it: a signed request to our own webhook, so the
// whole path (signature check, dedupe, consent, signal to the workflow) runs as in production.
// Ops only: `Authorization: Bearer <ops key>` as everywhere in the API, or, in a browser, the sign-in
// form's session cookie (api/dev-outbox-session.ts). No key travels in a URL, a form action or a redirect.
import { createSign, randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import Handlebars from 'handlebars';
import type { Kysely } from 'kysely';
import twilio from 'twilio';
import type { ApiKey, WebhookSecrets } from '../../config/dev-secrets';
import type { Database } from '../../db/schema';
import { authenticate, findApiKey, requireRole } from '../auth';
import { hasOpsSession, sessionCookie, signedOutCookie } from '../dev-outbox-session';
import { notFound, ProblemError } from '../problem';

const signInTemplate = Handlebars.compile(
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev outbox: sign in</title>
<style>body{font-family:sans-serif;margin:2rem}</style></head><body>
<h1>Dev outbox</h1>{{#if error}}<p role="alert">{{error}}</p>{{/if}}
<form method="post" action="/dev/outbox/login"><label>Ops API key <input type="password" name="key" autocomplete="current-password" required></label>
<button>Sign in</button></form></body></html>`,
);

const pageTemplate = Handlebars.compile(
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev outbox</title>
<style>body{font-family:sans-serif;margin:2rem}article{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
iframe{width:100%;height:14rem;border:1px solid #eee}pre{white-space:pre-wrap}form{display:inline}</style></head><body>
<h1>Dev outbox</h1><form method="post" action="/dev/outbox/logout"><button>Sign out</button></form>
<p>{{count}} most recent messages delivered by the local providers. Actions travel the signed webhook path.</p>
{{#each messages}}<article>
<header><b>{{channel}}</b> to <b>{{to}}</b> · {{status}} · {{createdAt}} · <code>{{id}}</code></header>
{{#if subject}}<h3>{{subject}}</h3>{{/if}}
{{#if html}}<iframe sandbox srcdoc="{{html}}"></iframe>{{else}}<pre>{{text}}</pre>{{/if}}
<footer>{{#each actions}}<form method="post" action="/dev/outbox/{{../id}}/{{this}}"><button>{{this}}</button></form> {{/each}}
{{#if isSms}}<form method="post" action="/dev/outbox/{{id}}/reply"><input name="text" placeholder="reply as the recipient"><button>reply</button></form>{{/if}}</footer>
</article>{{/each}}</body></html>`,
);

const ACTIONS: Record<string, string[]> = {
  sms: ['STOP', 'START', 'delivered'],
  email: ['open', 'click', 'bounce', 'unsubscribe', 'delivered'],
};

export function devOutboxRoutes(deps: {
  db: Kysely<Database>;
  apiKeys: ApiKey[];
  secrets: WebhookSecrets;
  publicBaseUrl: string;
}): Router {
  const { db, secrets } = deps;
  const router = Router();
  const signInPage = (res: Response, status: number, error?: string) =>
    void res.status(status).type('html').send(signInTemplate({ error }));

  // The key arrives in a POST body (never logged), and only a token derived from it goes back.
  router.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const key = (req.body as { key?: unknown } | undefined)?.key;
    const found = typeof key === 'string' ? findApiKey(deps.apiKeys, key) : undefined;
    if (!found) return signInPage(res, 401, 'Unknown key.');
    if (found.role !== 'ops') return signInPage(res, 403, 'The dev outbox needs an ops key.');
    res.setHeader('Set-Cookie', sessionCookie(found.key, new Date(), req.secure));
    res.redirect(303, '/dev/outbox');
  });
  router.post('/logout', (_req, res) => {
    res.setHeader('Set-Cookie', signedOutCookie);
    res.redirect(303, '/dev/outbox');
  });

  const byKey = authenticate(deps.apiKeys);
  const opsOnly = requireRole('ops');
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!req.headers.authorization) {
      if (hasOpsSession(req, deps.apiKeys, new Date())) {
        req.role = 'ops';
        return next();
      }
      if (req.method === 'GET' && req.path === '/') return signInPage(res, 401);
    }
    byKey(req, res, () => opsOnly(req, res, next));
  });

  router.get('/', async (_req, res) => {
    const rows = await db
      .selectFrom('messages')
      .selectAll()
      .where('provider', 'like', 'local-%')
      .orderBy('created_at', 'desc')
      .limit(50)
      .execute();
    res.type('html').send(
      pageTemplate({
        count: rows.length,
        messages: rows.map((m) => ({
          id: m.id,
          channel: m.channel,
          to: m.to_address,
          status: m.status,
          createdAt: m.created_at.toISOString(),
          subject: m.subject,
          text: m.body_text,
          html: m.body_html,
          isSms: m.channel === 'sms',
          actions: ACTIONS[m.channel] ?? [],
        })),
      }),
    );
  });

  /** Sends the recipient's action as the provider would: signed, to our own webhook. */
  router.post('/:messageId/:action', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const message = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', String(req.params.messageId))
      .executeTakeFirst();
    if (!message || !message.provider.startsWith('local-')) throw notFound('Local message');
    const action = String(req.params.action);
    const allowed = [...(ACTIONS[message.channel] ?? []), ...(message.channel === 'sms' ? ['reply'] : [])];
    if (!allowed.includes(action))
      throw new ProblemError(422, 'Validation failed', `${message.channel} messages allow: ${allowed.join(', ')}`);
    /** As Twilio posts: form-encoded, signed over the URL and the parameters. */
    const asTwilio = (path: string, params: Record<string, string>) => {
      const url = `${deps.publicBaseUrl}${path}`;
      return fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(secrets.twilioAuthToken, url, params),
        },
        body: new URLSearchParams(params).toString(),
      });
    };
    let response: globalThis.Response;
    if (message.channel === 'sms' && action !== 'delivered') {
      const body = action === 'reply' ? String((req.body as { text?: string }).text ?? '') : action;
      response = await asTwilio('/webhooks/twilio/sms', {
        MessageSid: `SMdev${randomUUID().replace(/-/g, '')}`,
        From: message.to_address,
        To: 'dev',
        Body: body,
      });
    } else if (message.channel === 'sms') {
      response = await asTwilio('/webhooks/twilio/status', {
        MessageSid: message.provider_message_id ?? '',
        MessageStatus: 'delivered',
      });
    } else {
      if (!secrets.sendgridPrivateKeyPem)
        throw new ProblemError(
          409,
          'Not a dev key',
          'SENDGRID_WEBHOOK_PUBLIC_KEY is set: the outbox cannot sign as SendGrid',
        );
      const event = {
        open: 'open',
        click: 'click',
        bounce: 'bounce',
        unsubscribe: 'unsubscribe',
        delivered: 'delivered',
      }[action]!;
      const body = JSON.stringify([
        {
          event,
          email: message.to_address,
          message_id: message.id,
          sg_event_id: `dev-${randomUUID()}`,
          timestamp: Math.floor(Date.now() / 1000),
          ...(event === 'click' && { url: 'https://iswitchroofs.example/' }),
        },
      ]);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createSign('sha256')
        .update(timestamp + body)
        .sign(secrets.sendgridPrivateKeyPem)
        .toString('base64');
      response = await fetch(`${deps.publicBaseUrl}/webhooks/sendgrid/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-twilio-email-event-webhook-signature': signature,
          'x-twilio-email-event-webhook-timestamp': timestamp,
        },
        body,
      });
    }
    if (!response.ok) throw new ProblemError(502, 'Webhook refused', `our webhook answered ${response.status}`);
    req.log.info({ messageId: message.id, action }, 'dev outbox action');
    res.redirect(303, '/dev/outbox');
  });

  return router;
}
