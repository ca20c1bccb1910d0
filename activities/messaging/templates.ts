// Versioned message templates (roadmap 4.3 A). Handlebars renders them: `{{var}}` is HTML-escaped
// in the HTML part, and strict mode makes a missing variable an error — a message never goes out
// saying "Hi {first_name}". Each template's variables are also checked by its zod schema, so the
// error names every bad or missing one.
import Handlebars from 'handlebars';
import type { MessageTemplate, RenderedMessage } from './contract';
import { stormInsuranceClaimV1 } from './templates/storm-insurance-claim';

export class TemplateError extends Error {}

const TEMPLATES: MessageTemplate[] = [stormInsuranceClaimV1];

const compile = (source: string, escapeHtml: boolean) =>
  Handlebars.compile(source, { strict: true, noEscape: !escapeHtml });
const compiled = new Map(
  TEMPLATES.map((t) => [
    `${t.name}@${t.version}`,
    {
      subject: t.subject ? compile(t.subject, false) : undefined,
      text: compile(t.text, false),
      html: t.html ? compile(t.html, true) : undefined,
    },
  ]),
);

/** The template `name` at `version`, or its latest version. */
export function findTemplate(name: string, version?: number): MessageTemplate {
  const versions = TEMPLATES.filter((t) => t.name === name).sort((a, b) => b.version - a.version);
  const found = version === undefined ? versions[0] : versions.find((t) => t.version === version);
  if (!found) throw new TemplateError(`no template ${name}${version === undefined ? '' : ` version ${version}`}`);
  return found;
}

export function renderTemplate(name: string, variables: Record<string, unknown>, version?: number): RenderedMessage {
  const template = findTemplate(name, version);
  const checked = template.variables.safeParse(variables);
  if (!checked.success) {
    const fields = checked.error.issues.map((i) => `${i.path.join('.') || '(variables)'}: ${i.message}`);
    throw new TemplateError(`template ${template.name} v${template.version}: ${fields.join('; ')}`);
  }
  const parts = compiled.get(`${template.name}@${template.version}`)!;
  try {
    return {
      template: `${template.name}@${template.version}`,
      subject: parts.subject?.(checked.data),
      text: parts.text(checked.data),
      html: parts.html?.(checked.data),
    };
  } catch (err) {
    // Strict mode: a variable the schema forgot to require is still caught here.
    throw new TemplateError(`template ${template.name} v${template.version}: ${(err as Error).message.split('\n')[0]}`);
  }
}
