import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import type { PaperInput } from '../../src/papers/paper.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { PaperSearch } from '../../src/ranking/paper-search.js';
import { parseTopic, parseTopics, TopicError } from '../../src/topics/topic-grammar.js';
import { TopicMatcher } from '../../src/topics/topic-matcher.js';
import { seededRandom } from '../kit/random.js';
import { paper, storePapers, tempDb } from '../helpers/store.js';

const NOW = new Date('2026-11-26T12:00:00Z');

/** A paper whose only words are the ones written here (plus the author's name). */
const written = (id: string, title: string, abstract: string, extra: Partial<PaperInput> = {}) =>
  paper({ id, title, abstract, authors: ['Grace Hopper'], keywords: [], ...extra });

/**
 * The library every test searches. Each paper is written for one case; the
 * comments say which words it holds on purpose and which it avoids.
 */
const LIBRARY: PaperInput[] = [
  // "quantized", never "quantization".
  written('quantized', 'Post-training compression of transformer weights', 'We show that quantized transformers keep their accuracy at four bits.'),
  // The phrase, and its words apart.
  written('moe', 'Sparse mixture of experts language models', 'Routing tokens to a few experts per layer.'),
  written('moe-apart', 'Experts in the annotation loop', 'Domain experts curate the labels, and a Gaussian mixture of label noise is fitted afterwards.'),
  // The phrase with words to exclude.
  written('moe-video', 'Mixture of experts for video generation', 'Frames are routed to specialised experts.'),
  written('moe-t2i', 'Mixture-of-experts diffusion for text-to-image synthesis', 'Each expert denoises part of the prompt.'),
  written('moe-caption', 'Mixture of experts for image captioning', 'We turn each image into text with a router.'),
  // Hyphenated, spaced, and "test" ... "time" far apart.
  written('tta-hyphen', 'Test-time adaptation under distribution shift', 'Models update their normalisation statistics online.'),
  written('tta-spaced', 'Test time adaptation for semantic segmentation', 'Entropy minimisation on unlabeled target images.'),
  written('tta-apart', 'Adaptation of object detectors', 'We test the detectors on footage recorded over a long period of time.'),
  // LoRA as a word, and words that merely contain the letters "lora".
  written('lora', 'LoRA: Low-Rank Adaptation of Large Language Models', 'We freeze the pretrained weights and inject trainable rank decomposition matrices.'),
  written('lora-mid', 'Efficient LoRA serving at scale', 'This abstract describes a LoRA server for many adapters.'),
  written('lora-or-video', 'LoRA or full fine-tuning for video models?', 'Whether or not video diffusion models benefit from adapters is unclear.'),
  written('exploration', 'Curiosity-driven exploration in sparse reward games', 'Agents explore flora and floral islands in Colorado while the Lorax watches.'),
  // Withdrawn: it matches "lora", "quantization" and "zebrafish" on its words, but must never be matched.
  written('withdrawn', 'LoRA for zebrafish imaging', 'Withdrawn: quantized zebrafish models.', { withdrawnAt: '2026-11-20T00:00:00Z' }),
];

const LORA_PAPERS = ['lora', 'lora-mid', 'lora-or-video'];

function library(papers: PaperInput[] = LIBRARY) {
  const { db } = tempDb();
  storePapers(db, papers);
  const repo = new PaperRepository(db);
  const matcher = new TopicMatcher(db);
  const search = new PaperSearch(matcher, repo);
  const rows = db.prepare<[], { seq: number; id: string }>('SELECT seq, id FROM papers').all();
  const idOf = new Map(rows.map((row) => [row.seq, row.id] as const));
  const seqOf = (id: string) => {
    const row = rows.find((r) => r.id === id);
    if (!row) throw new Error(`no paper ${id}`);
    return row.seq;
  };
  /** Ids of the papers PaperSearch finds, sorted. */
  const find = (input: string | readonly string[]) =>
    search
      .search(input, { limit: 100, now: NOW })
      .map((result) => result.id)
      .sort();
  /** Ids of the papers one topic matches through TopicMatcher, sorted. */
  const match = (line: string) =>
    matcher
      .match(parseTopic(line))
      .map((m) => idOf.get(m.seq) ?? `unknown seq ${m.seq}`)
      .sort();
  return { db, repo, matcher, search, seqOf, find, match };
}

function paperCount(db: Db): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers').get()?.n ?? -1;
}

/** The input as a short test name, with invisible characters spelled out. */
function label(input: string): string {
  const shown = JSON.stringify(input).replace(/[\u007f-\u009f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 60 ? `${shown.slice(0, 60)}… (${input.length} characters)` : shown;
}

type Outcome = { results: string[] } | { topicError: string };

/** Results, or the TopicError's message; any other error fails the test with it. */
function outcome(find: (input: string) => string[], input: string): Outcome {
  try {
    const results = find(input);
    expect(Array.isArray(results)).toBe(true);
    return { results };
  } catch (error) {
    if (error instanceof TopicError) return { topicError: error.message };
    throw error;
  }
}

describe('matching topics against the full-text index', () => {
  it('stems words: "quantization" finds a paper that only says "quantized"', () => {
    const { find, match } = library();
    expect(find('quantization')).toEqual(['quantized']);
    expect(match('quantization')).toEqual(['quantized']);
    // The British spelling finds it too.
    expect(match('quantisation')).toEqual(['quantized']);
  });

  it("widens a word by its own endings, never by another word that starts the same: transfer is not transformer", () => {
    const { match, db, matcher } = library([
      written('transferred', 'Knowledge transferred across tasks', 'Features are transferred between domains.'),
      written('transfers', 'Transfers of style', 'Style transfers between images.'),
      written('transformer', 'Transformers learn in context', 'A transformation of the input by attention.'),
      written('positional', 'Positional encodings revisited', 'Where each token sits.'),
      written('positive', 'Positive-unlabeled learning', 'Only positive labels are given.'),
      written('species', 'Counting bird species', 'Species of birds in the wild.'),
      written('specific', 'Task-specific heads', 'Specialized layers for specific tasks.'),
      written('captured', 'Motion captured at speed', 'Capture of human motion.'),
      written('captioning', 'Image captioning with retrieval', 'Captions grounded in retrieved images.'),
    ]);
    expect(match('transfer')).toEqual(['transferred', 'transfers']);
    expect(match('transfer learning')).not.toContain('transformer');
    expect(match('position')).toEqual(['positional']);
    expect(match('species')).toEqual(['species']);
    expect(match('caption')).toEqual(['captioning']);
    // A paper stored later brings its own forms of the word, which the next match sees.
    storePapers(db, [written('transferring', 'Transferring skills', 'Robots keep what they learn.')]);
    expect(matcher.match(parseTopic('transfer')).length).toBe(3);
  });

  it('finds a compound however it is spelt: hyphenated, closed up or as two words, its halves side by side', () => {
    const { match } = library([
      written('hyphen', 'Fine-tuning language models cheaply', 'Parameter-efficient fine-tuning of large models.'),
      written('closed', 'Finetuning vision encoders', 'We finetune the encoder and study finetuned models.'),
      written('pre-hyphen', 'Pre-training on web text', 'A recipe for continual pre-training.'),
      written('pre-closed', 'Pretraining at scale', 'Continual pretraining of chat models.'),
      written('pre-apart', 'A pre-registered study', 'We report training curves and ablations.'),
      written('meta', 'Meta-learning for few-shot tasks', 'Learning to learn quickly.'),
    ]);
    for (const spelling of ['fine-tuning', 'finetuning', 'fine tuning']) expect(match(spelling), spelling).toEqual(['closed', 'hyphen']);
    for (const spelling of ['pre-training', 'pretraining']) expect(match(spelling), spelling).toEqual(['pre-closed', 'pre-hyphen']);
    expect(match('continual pretraining')).toEqual(['pre-closed', 'pre-hyphen']);
    expect(match('metalearning')).toEqual(['meta']);
  });

  it('leaves out an excluded compound in every spelling, widens a base verb, and lets a short plural through the proximity rule', () => {
    const { match } = library([
      written('lora-hyphen', 'Low-rank adapters', 'Low-rank updates for fine-tuning.'),
      written('lora-closed', 'Low-rank projections', 'Low-rank updates without finetuning.'),
      written('lora-plain', 'Low-rank structure of gradients', 'Gradients are low-rank during training.'),
      written('llms', 'Memory-efficient training of LLMs', 'Optimizer states dominate memory.'),
      written('routing', 'Learning to route among experts', 'Token routing picks two experts per token.'),
      written('supervision', 'Learning without supervision', 'Self-supervision from unlabeled video.'),
    ]);
    expect(match('low-rank -finetuning')).toEqual(['lora-plain']);
    expect(match('low-rank -fine-tuning')).toEqual(['lora-plain']);
    // "tune" widens to "tuning", though the ending eats its "e".
    expect(match('fine-tune')).toEqual(['lora-closed', 'lora-hyphen']);
    expect(match('LLM training')).toEqual(['llms']);
    // An agent and its verb are one subject only where the glossary says so.
    expect(match('router')).toEqual(['routing']);
    // Not every "-ised" is an "-ized": "supervised" is also "supervision".
    expect(match('supervised')).toEqual(['supervision']);
  });

  it('takes British spellings for American ones: -ise, -iser, -lling', () => {
    const { match } = library([
      written('optimizer', 'An adaptive optimizer for transformers', 'Our optimizer needs no warm-up.'),
      written('modeling', 'Language modeling with state spaces', 'Sequence modeling at linear cost.'),
      written('labeled', 'Learning from few labeled examples', 'Labeled data is scarce.'),
      written('entropy', 'Test-time entropy minimization', 'Entropy minimization adapts the network online.'),
    ]);
    expect(match('optimiser')).toEqual(['optimizer']);
    expect(match('optimisers')).toEqual(['optimizer']);
    expect(match('modelling')).toEqual(['modeling']);
    expect(match('labelled data')).toEqual(['labeled']);
    // Two words, one of them British: the words must also stand near each other, whichever spelling.
    expect(match('entropy minimisation')).toEqual(['entropy']);
  });

  it('keeps an agent apart from what it does: adapters are not adaptation, optimizers not optimization', () => {
    const { match } = library([
      written('adapter', 'Adapters for multilingual models', 'Small adapter layers per language.'),
      written('adaptation', 'Domain adaptation without labels', 'We adapt the model to a new domain.'),
      written('optimizer', 'An adaptive optimizer for transformers', 'Our optimizer needs no warm-up.'),
      written('optimization', 'Convex optimization revisited', 'Gradient methods optimize smooth objectives.'),
      written('learner', 'Weak learners combined', 'Boosting weak learners.'),
      written('learning', 'Learning to rank', 'Ranking with deep learning.'),
      written('prune', 'Prune then train', 'We prune half the weights before training.'),
    ]);
    expect(match('adapters')).toEqual(['adapter']);
    expect(match('optimizers')).toEqual(['optimizer']);
    expect(match('learners')).toEqual(['learner']);
    // A verb's own forms still count: pruning is what "prune" names.
    expect(match('pruning')).toEqual(['prune']);
  });

  it('matches a quoted phrase only where its words stand together', () => {
    const { find } = library();
    expect(find('"mixture of experts"')).toEqual(['moe', 'moe-caption', 'moe-t2i', 'moe-video']);
    // The same words as separate words also find the paper that has them apart.
    expect(find('mixture of experts')).toContain('moe-apart');
  });

  it('matches a hyphenated word as a phrase: with a hyphen or a space, but not far apart', () => {
    const { find } = library();
    expect(find('test-time adaptation')).toEqual(['tta-hyphen', 'tta-spaced']);
    expect(find('"test time" adaptation')).toEqual(['tta-hyphen', 'tta-spaced']);
    // Without the phrase, the paper with "test" and "time" apart is found too.
    expect(find('test time adaptation')).toEqual(['tta-apart', 'tta-hyphen', 'tta-spaced']);
  });

  it('excludes papers with an excluded word', () => {
    const { find } = library();
    expect(find('"mixture of experts" -video')).toEqual(['moe', 'moe-caption', 'moe-t2i']);
    expect(find('lora -video')).toEqual(['lora', 'lora-mid']);
  });

  it('excludes papers with an excluded phrase, but not papers that only have its words apart', () => {
    const { find } = library();
    // moe-t2i says "text-to-image"; moe-caption has "image" and "text" but not the phrase.
    expect(find('"mixture of experts" -"text to image"')).toEqual(['moe', 'moe-caption', 'moe-video']);
    expect(find('"mixture of experts" -text-to-image -video')).toEqual(['moe', 'moe-caption']);
  });

  it('matches whole tokens: LoRA is found, "exploration", "flora", "Colorado" and "Lorax" are not', () => {
    const { find, match } = library();
    expect(find('LoRA')).toEqual(LORA_PAPERS);
    expect(match('LoRA')).toEqual(LORA_PAPERS);
    expect(find('LoRA')).not.toContain('exploration');
    // The exploration paper is there, and findable by its own words.
    expect(find('flora')).toEqual(['exploration']);
  });

  it('ignores case', () => {
    const { find } = library();
    for (const topic of ['lora', 'LORA', 'LoRa', 'lOrA']) expect(find(topic)).toEqual(LORA_PAPERS);
    expect(find('"MIXTURE OF EXPERTS" -VIDEO')).toEqual(find('"mixture of experts" -video'));
  });

  it('matches papers of any line of a multi-line input', () => {
    const { find, search } = library();
    expect(find('quantization\n"test time" adaptation')).toEqual(['quantized', 'tta-hyphen', 'tta-spaced']);
    expect(find('quantization\r\nflora\r')).toEqual(['exploration', 'quantized']);
    expect(find(['quantization', 'flora'])).toEqual(['exploration', 'quantized']);

    const results = search.search('quantization\nflora', { limit: 10, now: NOW });
    expect(results.find((r) => r.id === 'quantized')?.topics).toEqual(['quantization']);
    expect(results.find((r) => r.id === 'exploration')?.topics).toEqual(['flora']);
  });

  it('never matches a withdrawn paper', () => {
    const { find, match, matcher, seqOf } = library();
    expect(find('zebrafish')).toEqual([]);
    expect(match('zebrafish')).toEqual([]);
    expect(find('lora')).not.toContain('withdrawn');
    expect(find('quantization')).not.toContain('withdrawn');
    expect(matcher.match(parseTopic('zebrafish'), { limit: 10 }).map((m) => m.seq)).not.toContain(seqOf('withdrawn'));
  });

  it('reports the matched words as the paper writes them, lower-cased', () => {
    const { matcher, search, seqOf } = library();
    expect(matcher.matchedTerms(parseTopic('quantization'), seqOf('quantized'))).toEqual(['quantized']);
    // The glossary's long form counts too: the title spells it out.
    expect(matcher.matchedTerms(parseTopic('LORA'), seqOf('lora'))).toEqual(['lora', 'low-rank adaptation']);
    expect(matcher.matchedTerms(parseTopic('=LORA'), seqOf('lora'))).toEqual(['lora']);
    // "LoRA" appears twice in lora-mid, and is reported once.
    expect(matcher.matchedTerms(parseTopic('lora'), seqOf('lora-mid'))).toEqual(['lora']);
    expect(matcher.matchedTerms(parseTopic('"mixture of experts"'), seqOf('moe'))).toEqual(['mixture of experts']);
    expect(matcher.matchedTerms(parseTopic('test-time adaptation'), seqOf('tta-hyphen'))).toEqual(['test-time', 'adaptation']);
    // A paper the topic does not match has no matched words.
    expect(matcher.matchedTerms(parseTopic('quantization'), seqOf('lora'))).toEqual([]);

    const [result] = search.search('quantization', { limit: 5, now: NOW });
    expect(result).toMatchObject({ id: 'quantized', matched: ['quantized'], topics: ['quantization'] });
  });

  it('counts one full-text query per match() call', () => {
    const { matcher, search } = library();
    expect(matcher.queries).toBe(0);
    const topic = parseTopic('lora');
    matcher.match(topic);
    expect(matcher.queries).toBe(1);
    matcher.match(topic, { limit: 1 });
    matcher.match(parseTopic('zebrafish'));
    expect(matcher.queries).toBe(3);
    // PaperSearch runs one query per (merged) topic.
    search.search('lora\nquantization\nLORA', { limit: 10, now: NOW });
    expect(matcher.queries).toBe(5);
  });
});

// Each case: the input and what a person should get. `ids` is the exact
// result; `includes`/`excludes` constrain it; `error` is the TopicError message.
interface Case {
  input: string;
  ids?: string[];
  includes?: string[];
  excludes?: string[];
  error?: RegExp;
}

const ADVERSARIAL: Case[] = [
  // Unbalanced quotes.
  { input: '"mixture of experts', error: /quote that is not closed/ },
  { input: 'a"b', error: /quote that is not closed/ },
  { input: '"""', error: /quote that is not closed/ },
  // FTS5 operators are plain words.
  // FTS5's operators are words like any other: alone they are too common to look for, beside a word they are words.
  { input: 'AND', error: /only words nearly every paper holds/ },
  { input: 'experts AND', includes: ['moe-apart'], excludes: ['moe'] },
  // OR and NOT typed as operators are refused with what to write instead; in lower case they are words.
  { input: 'OR', error: /uses OR; put each alternative on a line of its own/ },
  { input: 'video OR', error: /uses OR/ },
  { input: 'video or', ids: ['lora-or-video'] },
  { input: 'NOT', error: /uses NOT; put a minus before what to leave out/ },
  { input: 'video NOT', error: /uses NOT/ },
  { input: 'video not', ids: ['lora-or-video'] },
  { input: 'NEAR', ids: [] },
  { input: 'NEAR(a b, 3)', ids: [] },
  // Needs all of "lora", "or" and "video": not LoRA papers without video, not video papers without LoRA.
  { input: 'lora or video', ids: ['lora-or-video'] },
  { input: 'lora OR video', error: /uses OR/ },
  // "not" is a word too, so the paper with "video" in it is found, not excluded.
  { input: 'lora not video', ids: ['lora-or-video'] },
  { input: 'lora NOT video', error: /uses NOT/ },
  { input: 'a AND', error: /only words nearly every paper holds/ },
  { input: '*', error: /no letters or digits/ },
  // Not a prefix query: "Lorax" stays out.
  { input: 'lora*', ids: LORA_PAPERS },
  // Not "first word of a column": lora-mid, where LoRA is the second word, is found.
  { input: '^lora', ids: LORA_PAPERS },
  // Not a column filter: one word with a colon inside is the phrase "title lora".
  { input: 'title:lora', ids: [] },
  // Not a column filter either: the words "abstract" and "lora", which only lora-mid has.
  { input: 'abstract : lora', ids: ['lora-mid'] },
  { input: '(lora)', ids: LORA_PAPERS },
  { input: '((', error: /no letters or digits/ },
  { input: ')', error: /no letters or digits/ },
  // SQL fragments are words.
  { input: "'; DROP TABLE papers; --", ids: [] },
  { input: "1=1 OR ''='", error: /uses OR/ },
  { input: "1=1 or ''='", ids: [] },
  { input: '" OR 1=1 --', error: /quote that is not closed/ },
  // Control characters.
  { input: 'lora\u0000video', error: /control character/ },
  { input: '\u0000', error: /control character/ },
  { input: 'lora\u0007', error: /control character/ },
  { input: '\u001b[31mlora', error: /control character/ },
  { input: 'lora\u007f', error: /control character/ },
  { input: 'lora\u0085video', error: /control character/ },
  { input: 'lora\u000bvideo', error: /control character/ },
  { input: 'lora\fvideo', error: /control character/ },
  { input: 'lora\u2028video', error: /control character/ },
  { input: 'lora\tor\tvideo', ids: ['lora-or-video'] },
  // Emoji.
  { input: '🚀 lora', ids: LORA_PAPERS },
  { input: '🚀', error: /no letters or digits/ },
  { input: 'lora🚀', ids: LORA_PAPERS },
  // Markup. "<b>lora</b>" has no spaces, so it is one word with punctuation
  // inside, which the grammar reads as the phrase "b lora b" (like a hyphen).
  { input: '<script>alert(1)</script>', ids: [] },
  { input: '<b>lora</b>', ids: [] },
  { input: '<b> lora </b>', ids: [] },
  { input: '<b>  lora  </b>', ids: [] },
  // Minus signs alone.
  { input: '-', error: /no letters or digits/ },
  { input: '--', error: /no letters or digits/ },
  { input: '-lora', error: /only excludes words/ },
  { input: '- lora', ids: LORA_PAPERS },
  { input: '--lora video', ids: ['moe-video'] },
  // Punctuation only.
  { input: '!@#$%^&*()_+={}[]|\\:;\'<>,.?/~`', error: /no letters or digits/ },
  { input: '""', error: /no letters or digits/ },
  // Big inputs.
  { input: 'lora '.repeat(2000), error: /characters long/ },
  { input: `lora ${'x'.repeat(9995)}`, error: /10000 characters long/ },
  { input: Array.from({ length: 1000 }, (_, i) => `topic${i}`).join('\n').padEnd(10_000, ' '), error: /more than 25 topics/ },
  { input: 'lora\n'.repeat(2000), ids: LORA_PAPERS },
  { input: 'quantization\r\nflora\r\n'.repeat(477), ids: ['exploration', 'quantized'] },
  { input: 'x'.repeat(100_000), error: /100000 characters long/ },
  { input: '\n'.repeat(100_000), error: /at least one topic/ },
  { input: 'lora video\n'.repeat(9091), ids: ['lora-or-video'] },
];

describe('adversarial topics through PaperSearch.search: results or a TopicError, never anything else', () => {
  it.each(ADVERSARIAL.map((c) => [label(c.input), c] as const))('%s', (_label, c) => {
    const { db, find } = library();
    const before = paperCount(db);

    const got = outcome(find, c.input);
    if (c.error) {
      expect(got).toEqual({ topicError: expect.stringMatching(c.error) });
      // parseTopics refuses it the same way.
      expect(() => parseTopics(c.input)).toThrow(TopicError);
    } else {
      expect(got).toHaveProperty('results');
      const results = 'results' in got ? got.results : [];
      if (c.ids) expect(results).toEqual([...c.ids].sort());
      for (const id of c.includes ?? []) expect(results).toContain(id);
      for (const id of c.excludes ?? []) expect(results).not.toContain(id);
    }

    expect(paperCount(db)).toBe(before);
    expect(find('lora')).toEqual(LORA_PAPERS);
  });

  it('leaves the store intact and answering after all of them in a row', () => {
    const { db, find, matcher } = library();
    const before = paperCount(db);
    let refused = 0;
    for (const c of ADVERSARIAL) if ('topicError' in outcome(find, c.input)) refused += 1;
    expect(refused).toBe(ADVERSARIAL.filter((c) => c.error).length);

    expect(paperCount(db)).toBe(before);
    expect(paperCount(db)).toBe(LIBRARY.length);
    expect(db.prepare<[], { ok: string }>("SELECT integrity_check AS ok FROM pragma_integrity_check").get()?.ok).toBe('ok');
    expect(find('lora')).toEqual(LORA_PAPERS);
    expect(matcher.match(parseTopic('quantization')).length).toBe(1);
  });
});

describe('seeded fuzz', () => {
  it('returns an array or throws a TopicError for 3,000 random inputs', () => {
    const { db, find } = library();
    const alphabet = [
      '"', '"', '-', '-', 'AND', 'OR', 'NOT', 'NEAR', '(', ')', '*', '^', ':', '+', '{', '}', "'", ';', ',', '.',
      'a', 'b', 'lora', 'video', 'x', '1', '42', ' ', ' ', ' ', '\t', '\n', '\r', '\r\n', '\u0000', '\u001b',
      '🚀', '👩‍💻', 'ب', 'я', '漢', 'ü', '\u0301', '\u200c', '\u00ad', '\ue000', 'İ', '²', 'ﬁ', '\ud800',
    ];
    const random = seededRandom(0x5eed);
    let answered = 0;
    let refused = 0;
    for (let n = 0; n < 3000; n += 1) {
      let input = '';
      const length = 1 + Math.floor(random() * 24);
      for (let k = 0; k < length; k += 1) input += alphabet[Math.floor(random() * alphabet.length)]!;
      let got: Outcome;
      try {
        got = outcome(find, input);
      } catch (error) {
        throw new Error(`input ${JSON.stringify(input)} threw ${String(error)}`, { cause: error });
      }
      if ('results' in got) answered += 1;
      else refused += 1;
    }
    // Both outcomes occur, so the fuzz reaches the database as well as the parser.
    expect(answered).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
    expect(paperCount(db)).toBe(LIBRARY.length);
    expect(find('lora')).toEqual(LORA_PAPERS);
  });
});

// A person who copies a word from a paper into a topic expects to find that
// paper, whatever script or symbol it is written in: the grammar must split
// and fold words exactly as the index does.
describe('a topic typed exactly as the paper writes it finds the paper', () => {
  it.each([
    { id: 'naive-bayes', title: 'Naïve Bayes for spam', topic: 'naïve Bayes' },
    { id: 'strasse', title: 'Straße maps from street views', topic: 'Straße' },
    { id: 'gpt4o', title: 'Evaluating GPT-4o on maths', topic: 'GPT-4o' },
    { id: 'greek', title: 'ΟΔΟΣ: a Greek road dataset', topic: 'ΟΔΟΣ' },
    { id: 'kanji', title: '漢字 recognition in scans', topic: '漢字' },
    // Turkish capital İ: JS lower-cases it to "i" + U+0307, a combining dot the index drops.
    { id: 'istanbul', title: 'İstanbul traffic forecasting', topic: 'İstanbul' },
    { id: 'istanbul-upper', title: 'İSTANBUL TRAFFIC FORECASTING', topic: 'İSTANBUL' },
    // Both sides are in NFKC, so "R²" is "r2" in the topic and in the index.
    { id: 'r-squared', title: 'Explained variance R² of linear probes', topic: 'R²' },
    // The index splits at the zero-width non-joiner (U+200C); so must the grammar.
    { id: 'persian', title: 'می\u200cخواهم: a Persian instruction dataset', topic: 'می\u200cخواهم' },
  ])('$id: the topic $topic finds it', ({ id, title, topic }) => {
    const { find } = library([...LIBRARY, written(id, title, 'A paper.')]);
    expect(find(topic)).toContain(id);
  });

  it('finds "İstanbul" whichever way the topic is typed, since case does not matter', () => {
    const { find } = library([...LIBRARY, written('istanbul', 'İstanbul traffic forecasting', 'A paper.')]);
    expect(find('istanbul')).toEqual(['istanbul']);
    expect(find('ISTANBUL')).toEqual(['istanbul']);
    expect(find('İstanbul')).toEqual(['istanbul']);
  });
});
