import { beforeAll, describe, expect, it } from 'vitest';
import { digestEmailProps, type DigestEntry, type DigestViewInput } from '../../src/digest/digest-view.js';
import { EmailRenderer } from '../../src/mail/email-templates.js';
import type { PaperInput } from '../../src/papers/paper.js';
import type { StoredPaper } from '../../src/papers/paper.repository.js';
import { paper } from '../helpers/papers.js';

let seq = 0;
function stored(overrides: Partial<PaperInput>): StoredPaper {
  seq += 1;
  return { ...paper(overrides), seq, ingestedAt: '2026-11-26T06:00:00.000Z', updatedAt: '2026-11-26T06:00:00.000Z' };
}

const LINKS = {
  manage: 'https://paperboy.example/preferences?token=m.1',
  unsubscribe: 'https://paperboy.example/unsubscribe?token=u.1',
  view: 'https://paperboy.example/digests/42?token=v.1',
  feed: 'https://paperboy.example/feeds/f.1.atom',
};

const ENTRIES: DigestEntry[] = [
  {
    paper: stored({
      id: '2410.17243',
      title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
      abstract: 'Contrastive loss is a powerful approach for representation learning, where larger batch sizes enhance performance.',
      authors: ['Zesen Cheng', 'Hang Zhang', 'Kehan Li', 'Sicong Leng'],
      upvotes: 64,
      pageUrl: 'https://huggingface.co/papers/2410.17243',
      pdfUrl: 'https://arxiv.org/pdf/2410.17243',
      codeUrl: 'https://github.com/DAMO-NLP-SG/Inf-CLIP',
    }),
    topics: ['contrastive loss', 'LoRA'],
    terms: ['contrastive', 'loss'],
  },
  {
    paper: stored({
      id: '2411.00001',
      title: 'ALLoRA: Adaptive Learning Rate Mitigates LoRA Fatal Flaws',
      abstract: 'Low-Rank Adaptation (LoRA) is the bread and butter of LLM finetuning, unlike exploration.',
      authors: ['Hai Huang', 'Randall Balestriero'],
      upvotes: 1,
      pageUrl: null,
    }),
    topics: ['LoRA'],
    terms: ['lora'],
  },
  {
    paper: stored({
      id: 'seed-f5fe3bc06f24',
      source: 'seed',
      title: 'Parameter-free Online Test-time Adaptation',
      abstract: 'Training state-of-the-art vision models has become prohibitively expensive.',
      authors: [],
      upvotes: null,
      codeUrl: 'https://github.com/fiveai/LAME',
    }),
    topics: ['test-time adaptation'],
    terms: [],
  },
];

function input(changes: Partial<DigestViewInput> = {}): DigestViewInput {
  return {
    email: 'ada@example.com',
    schedule: 'daily at 08:00 (Europe/Paris)',
    frequency: 'daily',
    localDate: '2026-11-27',
    entries: ENTRIES,
    more: 7,
    links: LINKS,
    ...changes,
  };
}

let emails: EmailRenderer;
beforeAll(async () => {
  // Compiles every template under validationLevel strict; a bad digest.mjml fails here.
  emails = await EmailRenderer.load();
});

const render = (changes: Partial<DigestViewInput> = {}) => emails.render('digest', digestEmailProps(input(changes)));
/** Handlebars escapes `=` in attribute values; browsers and mail clients read it back. */
const href = (url: string) => `href="${url.replace(/&/g, '&amp;').replace(/=/g, '&#x3D;')}"`;

describe('the digest email', () => {
  it('shows every paper with its links, why it matched, and the footer links', () => {
    const { subject, html, text } = render();
    expect(subject).toBe('3 papers on LoRA, contrastive loss and 1 more topic');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<title>3 papers on LoRA, contrastive loss and 1 more topic</title>');
    // The preheader is the hidden first line of the body.
    expect(html).toMatch(/<div style="display:none[^"]*">Breaking the Memory Barrier: .*, and 2 more papers on your topics<\/div>/);
    for (const { paper } of ENTRIES) expect(html).toContain(paper.title);
    // Titles are headings whose links look like links (the stylesheet underlines them).
    expect(html).toContain(`<h2><a ${href('https://huggingface.co/papers/2410.17243')}>Breaking the Memory Barrier`);
    expect(html).toMatch(/<h1>3 papers matching your topics<\/h1>/);
    expect(html).toContain(href('https://arxiv.org/pdf/2410.17243'));
    expect(html).toContain(href('https://github.com/DAMO-NLP-SG/Inf-CLIP'));
    expect(html).toContain(href('https://arxiv.org/abs/2411.00001'));
    expect(html).toContain(href('https://github.com/fiveai/LAME'));
    expect(html).toContain(
      '<p class="pb-m">20 Nov 2026<span aria-hidden="true"> · </span>Zesen Cheng, Hang Zhang, Kehan Li et al.<span aria-hidden="true"> · </span>arXiv:2410.17243<span aria-hidden="true"> · </span>▲ 64 upvotes</p>',
    );
    expect(html).toContain('▲ 1 upvote<');
    // The seed paper with no page still leads somewhere: a title search.
    expect(html).toContain(`<h2><a ${href('https://huggingface.co/papers?q=Parameter-free%20Online%20Test-time%20Adaptation')}>`);
    expect(html).toContain(`${href('https://arxiv.org/search/?query=Parameter-free%20Online%20Test-time%20Adaptation&searchtype=title')}>Find on arXiv</a>`);
    expect(html).toContain('Ranked by upvotes, freshness');
    expect(html).toContain('Daily digest · Friday 27 November 2026');
    expect(html).toContain('Matched <strong>contrastive loss</strong> via <mark>contrastive</mark>, <mark>loss</mark><br>Also matched LoRA</p>');
    expect(html).toMatch(/<a [^>]*href="https:\/\/paperboy\.example\/digests\/42\?token&#x3D;v\.1"[^>]*>and 7 more matching papers →<\/a>/);
    expect(html).toMatch(new RegExp(`${href(LINKS.manage).replace(/[?.]/g, '\\$&')}[^>]*>Manage preferences</a>`));
    expect(html).toMatch(new RegExp(`${href(LINKS.unsubscribe).replace(/[?.]/g, '\\$&')}[^>]*>Unsubscribe</a>`));
    expect(html).toMatch(/>View in browser<\/a>/);
    expect(html).toContain('<strong>ada@example.com</strong> subscribed to paperboy, daily at 08:00 (Europe/Paris).');
    expect(html).not.toContain('fonts.googleapis.com');
    expect(text.length).toBeGreaterThan(0);
  });

  it('highlights the matched words in the abstract, whole words only', () => {
    const { html } = render();
    expect(html).toMatch(/\(<mark[^>]*>LoRA<\/mark>\) is the bread and butter of LLM finetuning, unlike exploration\./);
    expect(html).toMatch(/<mark[^>]*>Contrastive loss<\/mark> is a powerful approach/);
    expect(html).not.toMatch(/<mark[^>]*>[^<]*exploration/);
  });

  it('has a plain-text part that reads on its own', () => {
    const { text } = render();
    expect(text).toContain('Daily digest · Friday 27 November 2026\n3 papers matching your topics\n');
    expect(text).toContain(
      [
        '1. Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
        '   20 Nov 2026 · Zesen Cheng, Hang Zhang, Kehan Li et al. · arXiv:2410.17243 · ▲ 64 upvotes',
        '',
        '   Contrastive loss is a powerful approach for representation learning, where larger batch sizes enhance performance.',
        '',
        '   Matched: contrastive loss (contrastive, loss)',
        '   Also matched LoRA',
        '   Paper: https://huggingface.co/papers/2410.17243',
        '   PDF: https://arxiv.org/pdf/2410.17243',
        '   Code: https://github.com/DAMO-NLP-SG/Inf-CLIP',
      ].join('\n'),
    );
    expect(text).toContain('3. Parameter-free Online Test-time Adaptation\n\n   Training state-of-the-art');
    expect(text).toContain(
      '   Matched: test-time adaptation\n   Find on arXiv: https://arxiv.org/search/?query=Parameter-free%20Online%20Test-time%20Adaptation&searchtype=title\n   Code: https://github.com/fiveai/LAME\n',
    );
    expect(text).toContain('and 7 more matching papers →\nhttps://paperboy.example/digests/42?token=v.1\n');
    expect(text).toContain('Manage your topics and schedule:\nhttps://paperboy.example/preferences?token=m.1\n');
    expect(text).toContain('Unsubscribe:\nhttps://paperboy.example/unsubscribe?token=u.1\n');
    expect(text).toContain('View this digest in a browser:\nhttps://paperboy.example/digests/42?token=v.1');
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(text).not.toContain('&#x3D;');
    expect(text).not.toMatch(/\n{3,}/);
  });

  it('leaves out the web view link when it is the web view', () => {
    const { html, text } = render({ links: { ...LINKS, view: null } });
    expect(html).not.toContain('View in browser');
    expect(html).not.toContain('digests/42');
    expect(html).toMatch(/>7 more papers matched your topics<\/div>/);
    expect(text).not.toContain('digests/42');
    expect(text).toContain('7 more papers matched your topics\n');
  });

  it('escapes every value from a paper and drops links that are not http(s)', () => {
    const evil: DigestEntry = {
      paper: stored({
        id: '2411.66666',
        title: '<img src=x onerror=alert(1)> & "quotes"',
        abstract: '<script>alert("abstract")</script> about LoRA <b>bold</b>',
        authors: ['<a href="https://evil.example">Eve</a>'],
        pageUrl: 'javascript:alert(1)',
        projectUrl: 'javascript:alert(2)',
        pdfUrl: 'data:text/html,<script>alert(3)</script>',
        codeUrl: 'https://github.com/a/b" onclick="alert(4)',
      }),
      topics: ['LoRA <script>alert(5)</script>'],
      terms: ['lora', '<b>'],
    };
    const { html, text } = render({ entries: [evil] });
    expect(html).not.toMatch(/<img src|<script>|<b>bold|<a href="https:\/\/evil|javascript:|data:text/);
    expect(html).not.toContain('onclick="alert');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain('&lt;script&gt;alert(&quot;abstract&quot;)&lt;/script&gt; about <mark');
    expect(html).toContain('&lt;a href&#x3D;&quot;https://evil.example&quot;&gt;Eve&lt;/a&gt;');
    // The arXiv id still gives the title a safe link.
    expect(html).toContain(href('https://arxiv.org/abs/2411.66666'));
    // The code link's quote was percent-encoded by URL parsing, so it cannot end the attribute.
    expect(html).toContain(href('https://github.com/a/b%22%20onclick=%22alert(4)'));
    // The text part is not HTML: it shows the title as written.
    expect(text).toContain('1. <img src=x onerror=alert(1)> & "quotes"');
  });

  it('refuses to render with a value missing rather than send a gap', () => {
    // The footer's address, shown in the email and the web view alike. (manageUrl is null in the web view, so its absence is allowed.)
    const { email: _omitted, ...missing } = digestEmailProps(input());
    expect(() => emails.render('digest', missing as ReturnType<typeof digestEmailProps>)).toThrow(/email/);
  });
});
