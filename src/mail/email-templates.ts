import type { DigestEmailProps } from './digest-email.js';
import { TEMPLATES_DIR, withTemplates } from '../paths.js';
import { compileMjml, compileText, type Fill } from './template-compiler.js';

/** A rendered email, ready for the mailer. */
export interface RenderedEmail {
  /** Which template made it, so what is sent can be counted by kind. */
  template?: EmailName;
  subject: string;
  html: string;
  text: string;
}

interface SubscriptionSummary {
  email: string;
  /**
   * The topics as the reader confirmed them; empty while they are not
   * confirmed, since whoever posted the form chose them and the email goes
   * to someone else's address.
   */
  topics: string[];
  /** "daily at 08:00 (Europe/Paris)" */
  schedule: string;
}

/** Every email paperboy sends, by template name, with the values it needs. */
export interface EmailProps {
  /** Names no topic: anyone may post the form for any address, so the email carries nothing they typed. */
  confirm: Omit<SubscriptionSummary, 'topics'> & { topicCount: string; confirmUrl: string; expiresInDays: number };
  'already-subscribed': SubscriptionSummary & { manageUrl: string; unsubscribeUrl: string };
  /** Asked for from a page opened by a lesser link (confirm, unsubscribe), which never shows a manage link itself. */
  'manage-link': SubscriptionSummary & { manageUrl: string };
  digest: DigestEmailProps;
}

export type EmailName = keyof EmailProps;

const SUBJECTS: { [K in EmailName]: (props: EmailProps[K]) => string } = {
  confirm: () => 'Confirm your paperboy subscription',
  'already-subscribed': () => 'You are already subscribed to paperboy',
  'manage-link': () => 'Your link to manage paperboy',
  // Worded (and made safe for a header) by the digest view, which knows the papers.
  digest: (props) => props.subject,
};

type Compiled = { [K in EmailName]: { html: Fill<EmailProps[K]>; text: Fill<EmailProps[K]> } };

/**
 * The typed template registry. `load` compiles every template once; `render`
 * only fills them, so it is cheap enough to call per recipient.
 */
export class EmailRenderer {
  private constructor(private readonly compiled: Compiled) {}

  static async load(dir: string = TEMPLATES_DIR): Promise<EmailRenderer> {
    const names = Object.keys(SUBJECTS) as EmailName[];
    const entries = await Promise.all(
      names.map(async (name) => [name, { html: await withTemplates(dir, () => compileMjml(name, dir)), text: withTemplates(dir, () => compileText(name, dir)) }] as const),
    );
    return new EmailRenderer(Object.fromEntries(entries) as unknown as Compiled);
  }

  render<K extends EmailName>(name: K, props: EmailProps[K]): RenderedEmail {
    const template = this.compiled[name];
    return { template: name, subject: SUBJECTS[name](props), html: template.html(props), text: template.text(props) };
  }
}
