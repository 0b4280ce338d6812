import { describe, expect, it } from 'vitest';
import { cardKey, digestEmailProps, paperCard, paperFace, shorten, type DigestEntry, type DigestViewInput } from '../../src/digest/digest-view.js';
import { highlight } from '../../src/digest/term-highlight.js';
import type { PaperInput } from '../../src/papers/paper.js';
import type { StoredPaper } from '../../src/papers/paper.repository.js';
import { paper } from '../helpers/papers.js';

let seq = 0;
function stored(overrides: Partial<PaperInput> = {}): StoredPaper {
  seq += 1;
  return { ...paper(overrides), seq, ingestedAt: '2026-11-26T06:00:00.000Z', updatedAt: '2026-11-26T06:00:00.000Z' };
}

function entry(topics: string[], overrides: Partial<PaperInput> = {}, terms: string[] = []): DigestEntry {
  return { paper: stored(overrides), topics, terms };
}

function input(entries: DigestEntry[], changes: Partial<DigestViewInput> = {}): DigestViewInput {
  return {
    email: 'ada@example.com',
    schedule: 'daily at 08:00 (Europe/Paris)',
    frequency: 'daily',
    localDate: '2026-11-27',
    entries,
    more: 0,
    links: { manage: 'https://paperboy.example/m', unsubscribe: 'https://paperboy.example/u', view: 'https://paperboy.example/v', feed: 'https://paperboy.example/f.atom' },
    ...changes,
  };
}

const view = (entries: DigestEntry[], changes: Partial<DigestViewInput> = {}) => digestEmailProps(input(entries, changes));
const cards = (props: ReturnType<typeof view>) => props.sections.flatMap((section) => section.papers);
const only = (overrides: Partial<PaperInput>, terms: string[] = []) => cards(view([entry(['LoRA'], overrides, terms)]))[0]!;
const hits = (segments: Array<{ text: string; hit: boolean }>) => segments.filter((s) => s.hit).map((s) => s.text);

describe('the digest subject', () => {
  it('names the count and the topics that matched the most papers', () => {
    const subject = view([
      entry(['diffusion']),
      entry(['LoRA', 'diffusion']),
      entry(['test-time adaptation']),
      entry(['LoRA']),
      entry(['mixture of experts']),
      entry(['test-time adaptation']),
    ]).subject;
    // Three topics matched two papers each; the tie goes to the topic of the better-ranked paper.
    expect(subject).toBe('6 papers on diffusion, LoRA and 2 more topics');
  });

  it('says "1 paper" for one, and joins two topics with "and"', () => {
    expect(view([entry(['LoRA'])]).subject).toBe('1 paper on LoRA');
    expect(view([entry(['LoRA']), entry(['diffusion'])]).subject).toBe('2 papers on LoRA and diffusion');
    expect(view([entry(['LoRA']), entry(['diffusion']), entry(['quantization'])]).subject).toBe(
      '3 papers on LoRA, diffusion and 1 more topic',
    );
  });

  it('stays short, cutting a long topic at a word boundary', () => {
    const long = `${'very long words about sparse attention '.repeat(5)}`.trim();
    const subject = view([entry([long]), entry([`${long} again`])]).subject;
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^2 papers on very long words about sparse attention .*… and 1 more topic$/);
    // Cut after a whole word: what precedes "…" is a prefix of the topic that ends a word in it.
    const kept = /on (.*)… and/.exec(subject)![1]!;
    expect(long.startsWith(kept)).toBe(true);
    expect(long[kept.length]).toBe(' ');
  });

  it.each([
    ['CR LF', 'LoRA\r\nBcc: eve@example.com', '1 paper on LoRA Bcc: eve@example.com'],
    ['a Unicode line separator', 'diffusion\u2028X-Evil: 1', '1 paper on diffusion X-Evil: 1'],
    ['NUL and escape codes', 'tab\there\u0000nul\u001b[31m', '1 paper on tab here nul [31m'],
    ['a bidi override', 'bidi\u202eevil', '1 paper on bidievil'],
  ])('never holds a line break or other control character (%s)', (_label, topic, expected) => {
    const { subject, preheader } = view([entry([topic], { title: `A title\r\n${topic}` })]);
    expect(subject).toBe(expected);
    expect(subject).not.toMatch(/[\p{Cc}\u2028\u2029\u202e]/u);
    expect(preheader).not.toMatch(/[\p{Cc}\u2028\u2029\u202e]/u);
  });
});

describe('a paper in the digest', () => {
  it('shows the date, the authors shortened with "et al.", the arXiv id and the upvotes, as one line', () => {
    const p = only({ id: '2410.17243', publishedAt: '2024-10-22T17:59:59Z', authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'], upvotes: 1234 });
    expect(p.meta).toEqual(['22 Oct 2024', 'Ada Lovelace, Alan Turing, Grace Hopper et al.', 'arXiv:2410.17243', '▲ 1,234 upvotes']);
    expect(only({ authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'] }).meta).toContain('Ada Lovelace, Alan Turing, Grace Hopper');
  });

  it('leaves out what is not known: no authors, no votes, no arXiv id, and a seed page’s date, which is not the paper’s', () => {
    expect(only({ id: 'seed-fdcf8dc07f3c', source: 'seed', authors: [], upvotes: null, publishedAt: '2025-03-17T00:00:00.000Z' }).meta).toEqual([]);
    expect(only({ id: 'seed-1', upvotes: 0, authors: [], publishedAt: null }).meta).toEqual([]);
    expect(only({ id: 'seed-1', upvotes: 1, authors: [], publishedAt: null }).meta).toEqual(['▲ 1 upvote']);
  });

  it('shortens the abstract at a word boundary and collapses its whitespace', () => {
    const abstract = `We study\n\nlow-rank   adapters. ${'Adapters are small and cheap to train on one GPU. '.repeat(12)}`;
    const text = only({ abstract }).abstract.map((s) => s.text).join('');
    expect(text.length).toBeLessThanOrEqual(280);
    expect(text.startsWith('We study low-rank adapters. Adapters are')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    const flat = abstract.replace(/\s+/g, ' ');
    const kept = text.slice(0, -1);
    expect(flat.startsWith(kept)).toBe(true);
    expect(flat[kept.length]).toMatch(/[\s.]/);
    expect(only({ abstract: 'Short and sweet.' }).abstract).toEqual([{ text: 'Short and sweet.', hit: false }]);
  });

  it('says which topic matched, with the matched terms, and names the others', () => {
    const [p] = cards(view([entry(['LoRA', 'adapters', 'fine-tuning'], {}, ['lora', 'low-rank'])]));
    expect(p!.topic).toBe('LoRA');
    expect(p!.terms).toEqual(['lora', 'low-rank']);
    expect(p!.otherTopics).toBe('Also matched adapters and fine-tuning');
    expect(cards(view([entry(['LoRA', 'a', 'b', 'c'])]))[0]!.otherTopics).toBe('Also matched a, b and 1 more');
    expect(cards(view([entry(['LoRA', 'adapters'])]))[0]!.otherTopics).toBe('Also matched adapters');
    expect(cards(view([entry(['LoRA'])]))[0]!.otherTopics).toBeNull();
  });

  it('shows topics as a reader says them: no quotes, no exclusions, no exact-word marks', () => {
    const props = view([entry(['"mixture of experts" -video -"text to image"', '=PEFT adapters', 'LoRA -survey'])]);
    const [p] = cards(props);
    expect(p!.topic).toBe('mixture of experts');
    expect(p!.otherTopics).toBe('Also matched PEFT adapters and LoRA');
    expect(props.subject).toBe('1 paper on mixture of experts, PEFT adapters and 1 more topic');
    expect(props.topics.map((t) => t.topic)).toEqual(['mixture of experts', 'PEFT adapters', 'LoRA']);
    expect(JSON.stringify(props)).not.toMatch(/"\\"|-video|-survey|=PEFT/);
  });

  it('links the title to the paper page, else arXiv, else a Hugging Face search for the title', () => {
    expect(only({ id: '2410.17243', pageUrl: 'https://huggingface.co/papers/2410.17243', projectUrl: 'https://p.example/' }).url).toBe(
      'https://huggingface.co/papers/2410.17243',
    );
    expect(only({ id: '2410.17243', projectUrl: 'https://p.example/' }).url).toBe('https://arxiv.org/abs/2410.17243');
    const seed = only({ id: 'seed-fdcf8dc07f3c', source: 'seed', title: 'DragNUWA: Fine-grained Control & More', pageUrl: null, projectUrl: 'https://p.example/' });
    expect(seed.url).toBe('https://huggingface.co/papers?q=DragNUWA%3A%20Fine-grained%20Control%20%26%20More');
  });

  it('gives a paper with no page a title search on arXiv in place of the paper link', () => {
    const seed = only({ id: 'seed-fdcf8dc07f3c', source: 'seed', title: 'Parameter-free Online Test-time Adaptation', codeUrl: 'https://github.com/fiveai/LAME' });
    expect(seed.links).toEqual([
      { label: 'Find on arXiv', url: 'https://arxiv.org/search/?query=Parameter-free%20Online%20Test-time%20Adaptation&searchtype=title' },
      { label: 'Code', url: 'https://github.com/fiveai/LAME' },
    ]);
  });

  it('drops every link that is not http or https', () => {
    const p = only({
      id: 'seed-1',
      title: 'T',
      pageUrl: 'javascript:alert(1)',
      projectUrl: 'https://project.example/',
      pdfUrl: 'data:text/html,<script>alert(1)</script>',
      codeUrl: ' JAVASCRIPT:alert(1)',
    });
    expect(p.url).toBe('https://huggingface.co/papers?q=T');
    expect(p.links).toEqual([
      { label: 'Find on arXiv', url: 'https://arxiv.org/search/?query=T&searchtype=title' },
      { label: 'Project page', url: 'https://project.example/' },
    ]);
  });

  it('lists the paper, PDF, code and project page links that exist, each once', () => {
    const p = only({
      id: '2410.17243',
      pageUrl: 'https://huggingface.co/papers/2410.17243',
      pdfUrl: 'https://arxiv.org/pdf/2410.17243',
      codeUrl: 'https://github.com/a/b',
      projectUrl: 'https://a.github.io/b/',
    });
    expect(p.links.map((l) => l.label)).toEqual(['Paper', 'PDF', 'Code', 'Project page']);
    expect(only({ id: '2410.17243', projectUrl: 'https://github.com/a/b', codeUrl: 'https://github.com/a/b' }).links.map((l) => l.label)).toEqual(['Paper', 'Code']);
  });
});

describe('highlighting matched terms', () => {
  it('marks whole words in any case, never part of another word', () => {
    const segments = highlight('LoRA beats exploration; lora-based models and LORA. Floral, explorative.', ['lora']);
    expect(hits(segments)).toEqual(['LoRA', 'lora', 'LORA']);
    expect(segments.map((s) => s.text).join('')).toBe('LoRA beats exploration; lora-based models and LORA. Floral, explorative.');
  });

  it('understands words outside ASCII', () => {
    expect(hits(highlight('Un Éclair, des éclairs et un xéclair.', ['éclair']))).toEqual(['Éclair']);
    expect(hits(highlight('Обучение с подкреплением и переобучение', ['обучение']))).toEqual(['Обучение']);
  });

  it('joins neighbouring terms into one highlight and finds hyphenated terms spelt either way', () => {
    expect(hits(highlight('Test-time adaptation (TTA) adapts at test time.', ['test-time', 'adaptation']))).toEqual([
      'Test-time adaptation',
      'test time',
    ]);
  });

  it('lights up little words only inside a matched phrase', () => {
    const segments = highlight('A mixture of experts is one of many ideas of note.', ['mixture', 'of', 'experts']);
    expect(hits(segments)).toEqual(['mixture of experts']);
  });

  it('treats terms as text, not patterns', () => {
    expect(hits(highlight('C++ and c.+ and (a|b)', ['c.+', '(a|b)']))).toEqual(['c.+', '(a|b)']);
    expect(highlight('Nothing here.', [])).toEqual([{ text: 'Nothing here.', hit: false }]);
  });

  it('matches a term with punctuation between its words, and never one with no letter or digit', () => {
    expect(hits(highlight("We don't adapt; dont.", ["don't"]))).toEqual(["don't"]);
    expect(highlight('a ++ b', ['++'])).toEqual([{ text: 'a ++ b', hit: false }]);
  });

  it('highlights the terms inside the shortened abstract', () => {
    const p = only({ abstract: 'We adapt LoRA to exploration tasks; LoRA wins.' }, ['lora']);
    expect(hits(p.abstract)).toEqual(['LoRA', 'LoRA']);
  });
});

describe('paper cards shared between readers', () => {
  it('share a key exactly when the card they show is the same', () => {
    const a = entry(['LoRA', 'quantization']);
    const renamedOther = { ...a, topics: ['LoRA', 'adapters'] };
    const sameWords = { ...a, topics: ['"LoRA"', 'adapters -survey'] };
    const moreTopics = { ...a, topics: ['LoRA', 'adapters', 'quantization'] };
    const otherTopic = { ...a, topics: ['quantization', 'LoRA'] };
    expect(cardKey(sameWords)).toBe(cardKey(renamedOther));
    expect(paperCard(sameWords)).toEqual(paperCard(renamedOther));
    expect(cardKey(renamedOther)).not.toBe(cardKey(a));
    expect(cardKey(moreTopics)).not.toBe(cardKey(a));
    // Other topics are named on the card, so a different one is a different card.
    expect(paperCard(renamedOther).otherTopics).not.toBe(paperCard({ ...a, topics: ['LoRA', 'quantization'] }).otherTopics);
    expect(paperCard(moreTopics).otherTopics).not.toBe(paperCard(a).otherTopics);
    expect(cardKey(otherTopic)).not.toBe(cardKey(a));
    expect(paperCard(otherTopic).topic).not.toBe(paperCard(a).topic);
    // Past the two other topics a card names, only their number shows, so only their number counts.
    const many = { ...a, topics: ['LoRA', 'adapters', 'quantization', 'pruning'] };
    const manyElse = { ...a, topics: ['LoRA', 'adapters', 'quantization', 'distillation'] };
    expect(cardKey(many)).toBe(cardKey(manyElse));
    expect(paperCard(many)).toEqual(paperCard(manyElse));
    expect(cardKey(many)).not.toBe(cardKey({ ...a, topics: ['LoRA', 'adapters', 'quantization'] }));
  });

  it('are built from one face per paper: what the paper alone decides is worked out once', () => {
    const a = entry(['LoRA'], { abstract: `LoRA adapts large models. ${'More words follow here. '.repeat(30)}` }, ['lora']);
    const b = { ...a, topics: ['adapters', 'LoRA'], terms: ['adapts'] };
    const face = paperFace(a.paper);
    const [first, second] = [paperCard(a, face), paperCard(b, face)];
    // The same card as one built from scratch, highlighted for its own reader.
    expect(first).toEqual(paperCard(a));
    expect(second).toEqual(paperCard(b));
    expect(hits(first.abstract)).toEqual(['LoRA']);
    expect(hits(second.abstract)).toEqual(['adapts']);
    // The paper's own parts are the face's, shared rather than rebuilt.
    expect(second.meta).toBe(first.meta);
    expect(second.links).toBe(first.links);
    expect(face.abstract.length).toBeLessThanOrEqual(280);
  });
});

describe('shorten', () => {
  it('never splits a character made of two UTF-16 units', () => {
    const cut = shorten('🧪'.repeat(20), 10);
    expect(Array.from(cut)).toHaveLength(10);
    expect(cut).toBe(`${'🧪'.repeat(9)}…`);
  });

  it('counts characters, not UTF-16 units: text longer in units but within the room is kept whole', () => {
    expect(shorten('🧪'.repeat(6), 10)).toBe('🧪'.repeat(6));
    expect(shorten('abcdefghij', 10)).toBe('abcdefghij');
    expect(shorten('abcde fghijk', 10)).toBe('abcde…');
  });
});

describe('the rest of the digest', () => {
  it('links to the papers that did not fit, or only counts them in the web view', () => {
    expect(view([entry(['LoRA'])], { more: 12 }).more).toEqual({ label: 'and 12 more matching papers →', url: 'https://paperboy.example/v' });
    expect(view([entry(['LoRA'])], { more: 1 }).more?.label).toBe('and 1 more matching paper →');
    const web = view([entry(['LoRA'])], { more: 12, links: { manage: 'm', unsubscribe: 'u', view: null, feed: 'f' } });
    expect(web.more).toEqual({ label: '12 more papers matched your topics', url: null });
    expect(web.viewUrl).toBeNull();
    expect(view([entry(['LoRA'])]).more).toBeNull();
  });

  it('dates the digest in words and says how often it comes', () => {
    expect(view([entry(['LoRA'])]).kicker).toBe('Daily digest · Friday 27 November 2026');
    expect(view([entry(['LoRA'])], { frequency: 'weekly', localDate: '2026-11-30' }).kicker).toBe('Weekly digest · Monday 30 November 2026');
  });

  it('counts the papers per topic for the overview, most first', () => {
    const { topics, heading } = view([entry(['LoRA']), entry(['diffusion', 'LoRA']), entry(['diffusion'])]);
    expect(heading).toBe('3 papers matching your topics');
    expect(topics).toEqual([
      { topic: 'LoRA', papers: 2 },
      { topic: 'diffusion', papers: 2 },
    ]);
  });

  it('names upvotes among the reasons for the order only when some paper has votes', () => {
    expect(view([entry(['LoRA'], { upvotes: null }), entry(['LoRA'], { upvotes: 0 })]).rankedBy).toBe(
      'Ranked by how closely each paper fits your topics, and how recent it is. You never get the same paper twice.',
    );
    expect(view([entry(['LoRA'], { upvotes: null }), entry(['LoRA'], { upvotes: 3 })]).rankedBy).toMatch(/^Ranked by upvotes, freshness/);
  });

  it('groups a weekly digest by best topic, topics in the order of their best paper; a daily one is one list', () => {
    const entries = [entry(['LoRA'], { title: 'A' }), entry(['"diffusion" -video', 'LoRA'], { title: 'B' }), entry(['LoRA'], { title: 'C' })];
    const weekly = view(entries, { frequency: 'weekly' }).sections;
    expect(weekly.map((s) => [s.heading, s.papers.map((p) => p.title)])).toEqual([
      ['LoRA (2 papers)', ['A', 'C']],
      ['diffusion (1 paper)', ['B']],
    ]);
    const daily = view(entries).sections;
    expect(daily.map((s) => [s.heading, s.papers.map((p) => p.title)])).toEqual([[null, ['A', 'B', 'C']]]);
  });
});
