// Direct-mail postcards (roadmap 4.3 B, day 5 of the channel test): the message rendered as a 6×4 in
// PDF with pdf-lib — the offer on the front, the text and the address on the back — and handed to a
// print provider. The local default keeps the PDF in Postgres (the dev outbox lists it).
import type { Kysely } from 'kysely';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { savePostcard } from '../../db/repositories/messages';
import type { Database } from '../../db/schema';
import type { MessageProvider, OutboundMessage, SendVia } from './contract';

/** A print-and-mail house: takes a print-ready PDF and an address, returns its job id. */
export interface PrintProvider {
  readonly name: string;
  submit(job: { messageId: string; address: string; pdf: Uint8Array }, via?: SendVia): Promise<{ jobId: string }>;
}

const WIDTH = 6 * 72;
const HEIGHT = 4 * 72;

/** Wraps text to lines no wider than `width` points in `size`-point Helvetica. */
function wrap(text: string, measure: (s: string) => number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (measure(next) > width && line) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines;
}

export async function renderPostcardPdf(m: { subject?: string; text: string; address: string }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  // Standard fonts are WinAnsi: characters outside it are replaced rather than failing the mailing.
  const safe = (s: string) => s.replace(/[^\x20-\x7E\n\u00A0-\u00FF]/g, '?');

  const front = doc.addPage([WIDTH, HEIGHT]);
  front.drawRectangle({ x: 0, y: 0, width: WIDTH, height: HEIGHT, color: rgb(0.1, 0.25, 0.45) });
  front.drawText('iSwitch Roofs', { x: 24, y: HEIGHT - 48, size: 22, font: bold, color: rgb(1, 1, 1) });
  wrap(safe(m.subject ?? ''), (s) => bold.widthOfTextAtSize(s, 16), WIDTH - 48).forEach((line, i) =>
    front.drawText(line, { x: 24, y: HEIGHT - 90 - i * 20, size: 16, font: bold, color: rgb(1, 1, 1) }),
  );

  const back = doc.addPage([WIDTH, HEIGHT]);
  const message = wrap(safe(m.text), (s) => regular.widthOfTextAtSize(s, 8), WIDTH / 2 - 32).slice(0, 26);
  message.forEach((line, i) => back.drawText(line, { x: 16, y: HEIGHT - 24 - i * 10, size: 8, font: regular }));
  back.drawLine({
    start: { x: WIDTH / 2, y: 16 },
    end: { x: WIDTH / 2, y: HEIGHT - 16 },
    thickness: 0.5,
    color: rgb(0.6, 0.6, 0.6),
  });
  safe(m.address)
    .split('\n')
    .forEach((line, i) => back.drawText(line, { x: WIDTH / 2 + 16, y: HEIGHT / 2 - i * 12, size: 10, font: regular }));
  doc.setTitle(m.subject ?? 'Postcard');
  doc.setCreationDate(new Date(0)); // the same message renders the same bytes
  doc.setModificationDate(new Date(0));
  return doc.save();
}

/** The postcard channel: render, then hand to the print provider. */
export function postcardProvider(print: PrintProvider): MessageProvider {
  return {
    name: `postcard-${print.name}`,
    async send(m: OutboundMessage, via?: SendVia) {
      const pdf = await renderPostcardPdf({ subject: m.subject, text: m.text, address: m.to });
      return { providerMessageId: (await print.submit({ messageId: m.id, address: m.to, pdf }, via)).jobId };
    },
  };
}

/** The offline print house: keeps the PDF in Postgres. Idempotent per message. */
export function localPrintProvider(db: Kysely<Database>): PrintProvider {
  return {
    name: 'local',
    async submit(job, via) {
      await savePostcard(via?.db ?? db, job.messageId, job.address, job.pdf);
      return { jobId: `local-print-${job.messageId}` };
    },
  };
}
