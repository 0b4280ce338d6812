import { beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_MAX_PAPERS_LIMIT } from '../../src/config.js';
import { EmailRenderer } from '../../src/mail/email-templates.js';
import { largestDigestProps } from '../helpers/largest-digest.js';

/** Gmail clips an email whose HTML passes 102 KB, hiding the rest and the footer's unsubscribe link. */
const GMAIL_CLIP_BYTES = 102 * 1000;

let emails: EmailRenderer;
beforeAll(async () => {
  emails = await EmailRenderer.load();
});

describe('the largest digest the settings allow', () => {
  it.each(['daily', 'weekly'] as const)('stays under Gmail’s clipping size as a %s digest', (frequency) => {
    const props = largestDigestProps(frequency);
    const cards = props.sections.flatMap((section) => section.papers);
    // It really is the largest: every allowed paper, each abstract cut at its full length.
    expect(cards).toHaveLength(DIGEST_MAX_PAPERS_LIMIT);
    expect(cards.every((card) => card.abstract.map((s) => s.text).join('').endsWith('…'))).toBe(true);
    expect(cards.every((card) => card.links.length === 4 && card.meta.length === 4)).toBe(true);
    const { html } = emails.render('digest', props);
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(GMAIL_CLIP_BYTES);
    // The footer, the part Gmail would hide, is there.
    expect(html).toContain('>Unsubscribe</a>');
  });
});
