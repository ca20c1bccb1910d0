// One-click unsubscribe (RFC 8058) for the links and `List-Unsubscribe` headers of every email: a
// mail client POSTs `List-Unsubscribe=One-Click`; a person following the link gets a page with a
// button doing the same. The message id (random, unguessable) names the address to opt out.
import express, { Router } from 'express';
import type { Kysely } from 'kysely';
import { handleEmailEvent } from '../inbound/recipient-events';
import type { Database } from '../../db/schema';
import { notFound } from '../problem';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">${body}</body></html>`;

export function unsubscribeRoutes({ db }: { db: Kysely<Database> }): Router {
  const router = Router();

  async function emailOf(messageId: string): Promise<string> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(messageId)) throw notFound('Message');
    const message = await db
      .selectFrom('messages')
      .select(['to_address', 'channel'])
      .where('id', '=', messageId)
      .executeTakeFirst();
    if (!message || message.channel !== 'email') throw notFound('Message');
    return message.to_address;
  }

  router.get('/:messageId', async (req, res) => {
    await emailOf(req.params.messageId);
    res
      .type('html')
      .send(
        page(
          'Unsubscribe',
          `<h1>Unsubscribe</h1><p>Stop all emails from iSwitch Roofs to this address?</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
  });

  router.post('/:messageId', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const email = await emailOf(req.params.messageId);
    await handleEmailEvent(db, { email, event: 'unsubscribe', providerEventId: `one-click:${req.params.messageId}` });
    req.log.info({ messageId: req.params.messageId }, 'one-click unsubscribe');
    res
      .type('html')
      .send(page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will receive no more emails from us.</p>'));
  });

  return router;
}
