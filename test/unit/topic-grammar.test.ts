import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseTopic, parseTopics, TOPIC_LIMITS, TopicError, type Topic } from '../../src/topics/topic-grammar.js';
import { seededRandom } from '../kit/random.js';

/** Runs `fn`, expects a TopicError, and returns it so its message can be checked. */
function topicError(fn: () => unknown): TopicError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TopicError);
    return error as TopicError;
  }
  throw new Error('expected a TopicError, but nothing was thrown');
}

// A quoted run of letters and digits (several tokens separated by single spaces).
const PHRASE = /"[\p{L}\p{N}]+(?: [\p{L}\p{N}]+)*"/gu;
// What may remain of a query once its phrases are taken out: operators, parentheses, spaces.
const OPERATORS_ONLY = /^(?:AND|OR|NOT|\(|\)| )*$/;
// The only two shapes a compiled query has, with P standing for a phrase.
const SHAPE = /^(?:P(?: AND P)*|\(P(?: AND P)*\) NOT \(P(?: OR P)*\))$/;

function expectSafeQuery(topic: Topic): void {
  const residue = topic.query.replace(PHRASE, '');
  expect(residue, `query ${JSON.stringify(topic.query)}`).toMatch(OPERATORS_ONLY);
  expect(topic.query.replace(PHRASE, 'P'), `query ${JSON.stringify(topic.query)}`).toMatch(SHAPE);
  // Every phrase in the query is one of the topic's terms, and nothing else is searched for.
  const phrases = [...topic.query.matchAll(PHRASE)].map((m) => m[0]);
  const terms = [...topic.include, ...topic.exclude].map((term) => `"${term.join(' ')}"`);
  expect(phrases.sort()).toEqual(terms.sort());
}

const ADVERSARIAL = [
  '"mixture of experts',
  'a"b',
  '"""',
  'AND',
  'OR',
  'NOT',
  'NEAR',
  'NEAR(a b, 3)',
  'lora OR video',
  'lora NOT video',
  'a AND',
  '*',
  'lora*',
  '^lora',
  'title:lora',
  'abstract : lora',
  '(lora)',
  '((',
  ')',
  "'; DROP TABLE papers; --",
  "1=1 OR ''='",
  '" OR 1=1 --',
  'lora\u0000video',
  'lora\u001b[31mvideo',
  '🚀 lora',
  '🚀',
  '<script>alert(1)</script>',
  '<b>lora</b>',
  '-',
  '--',
  '-lora',
  '!@#$%^&*()',
  'lora -"text to image" -video',
  '"lora" NEAR/3 "video"',
  'lora{video}',
  'col:"a b" + c',
  'x"y"z',
  '"a""b"',
  'a OR b NOT c AND (d)',
  'über Straße 漢字 кошка',
  'ＬｏＲＡ ﬁne-tuning',
];

describe('parseTopic: words, phrases and exclusions', () => {
  it('requires every word of a line, lower-cased, and keeps the line as written', () => {
    const topic = parseTopic('  LoRA Quantization  ');
    expect(topic.text).toBe('LoRA Quantization');
    expect(topic.include).toEqual([['lora'], ['quantization']]);
    expect(topic.exclude).toEqual([]);
    expect(topic.query).toBe('"lora" AND "quantization"');
  });

  it('treats quoted text as one phrase', () => {
    const topic = parseTopic('"Mixture of Experts"');
    expect(topic.include).toEqual([['mixture', 'of', 'experts']]);
    expect(topic.query).toBe('"mixture of experts"');
  });

  it('treats a hyphenated word as a phrase, beside plain words', () => {
    const topic = parseTopic('test-time adaptation');
    expect(topic.include).toHaveLength(2);
    expect(topic.include).toEqual(expect.arrayContaining([['test', 'time'], ['adaptation']]));
    expect(topic.query).toContain('"test time"');
    expect(parseTopic('state-of-the-art').include).toEqual([['state', 'of', 'the', 'art']]);
  });

  it('excludes a word with a leading minus', () => {
    const topic = parseTopic('"mixture of experts" -video');
    expect(topic.include).toEqual([['mixture', 'of', 'experts']]);
    expect(topic.exclude).toEqual([['video']]);
    expect(topic.query).toBe('("mixture of experts") NOT ("video")');
  });

  it('excludes a quoted or hyphenated phrase with a leading minus', () => {
    const topic = parseTopic('diffusion -"Text to Image" -text-to-video -audio');
    expect(topic.include).toEqual([['diffusion']]);
    expect(topic.exclude).toHaveLength(3);
    expect(topic.exclude).toEqual(expect.arrayContaining([['text', 'to', 'image'], ['text', 'to', 'video'], ['audio']]));
    expect(topic.query).toMatch(/^\("diffusion"\) NOT \(.+\)$/);
    for (const phrase of ['"text to image"', '"text to video"', '"audio"']) expect(topic.query).toContain(phrase);
  });

  it('reads a minus in the middle of a word as a hyphen, not an exclusion', () => {
    const topic = parseTopic('GPT-4 self-play');
    expect(topic.exclude).toEqual([]);
    expect(topic.include).toEqual(expect.arrayContaining([['gpt', '4'], ['self', 'play']]));
  });

  it('treats operators and punctuation as plain words or separators, never as syntax', () => {
    // Typed as operators (capitals, on their own) they are refused with what to do instead; as words they are words.
    expect(() => parseTopic('lora OR video')).toThrow(/uses OR; put each alternative on a line of its own/);
    expect(() => parseTopic('lora NOT video')).toThrow(/uses NOT; put a minus before what to leave out instead, as in -video/);
    expect(parseTopic('lora or video').include).toEqual([['lora'], ['or'], ['video']]);
    expect(parseTopic('theory of mind NOTE').include).toEqual(expect.arrayContaining([['note']]));
    expect(parseTopic('lora "OR" video').include).toEqual([['lora'], ['or'], ['video']]);
    expect(parseTopic('lora*').include).toEqual([['lora']]);
    expect(parseTopic('^lora').include).toEqual([['lora']]);
    expect(parseTopic('(lora)').include).toEqual([['lora']]);
    // A colon does not pick a column: "title:lora" is one word with punctuation inside, so a phrase.
    expect(parseTopic('title:lora').include).toEqual([['title', 'lora']]);
    expect(parseTopic('abstract : lora').include).toEqual([['abstract'], ['lora']]);
  });

  it('accepts tabs between words and ignores punctuation-only chunks', () => {
    expect(parseTopic('lora\tvideo').include).toEqual([['lora'], ['video']]);
    expect(parseTopic('lora + :: video').include).toEqual([['lora'], ['video']]);
    expect(parseTopic('lora ""').include).toEqual([['lora']]);
  });

  it('keeps letters of any script and folds compatibility forms', () => {
    expect(parseTopic('Über 漢字 кошка').include).toEqual(expect.arrayContaining([['über'], ['漢字'], ['кошка']]));
    // Full-width letters typed on a CJK keyboard are the same word.
    expect(parseTopic('ＬｏＲＡ').include).toEqual([['lora']]);
  });
});

describe('parseTopic: the normal-form key', () => {
  const key = (line: string) => parseTopic(line).key;

  it('is the same for reordered words', () => {
    expect(key('quantization LoRA')).toBe(key('LoRA quantization'));
    expect(key('lora -video -audio')).toBe(key('lora -audio -video'));
    expect(key('-video "mixture of experts"')).toBe(key('"mixture of experts" -video'));
  });

  it('is the same for case differences', () => {
    expect(key('LoRA')).toBe(key('lora'));
    expect(key('LORA')).toBe(key('lora'));
    expect(key('"Mixture Of Experts"')).toBe(key('"mixture of experts"'));
  });

  it('is the same for duplicate words and for a hyphen versus a quoted phrase', () => {
    expect(key('lora lora quantization LORA')).toBe(key('lora quantization'));
    expect(key('test-time')).toBe(key('"test time"'));
    expect(key('lora -video -video')).toBe(key('lora -video'));
  });

  it('differs when the exclusions differ', () => {
    expect(key('lora -video')).not.toBe(key('lora'));
    expect(key('lora -video')).not.toBe(key('lora -audio'));
    expect(key('lora -video')).not.toBe(key('lora video'));
    expect(key('lora -"video games"')).not.toBe(key('lora -video -games'));
  });

  it('differs for a phrase versus the same words apart', () => {
    expect(key('"test time"')).not.toBe(key('test time'));
  });

  // Case-insensitivity for a Turkish capital: "İ".toLowerCase() is "i" plus a
  // combining dot (U+0307), which the tokenizer then treats as a separator.
  it('is the same for "İSTANBUL" and "istanbul" (case differences outside ASCII)', () => {
    expect(parseTopic('İSTANBUL').include).toEqual([['istanbul']]);
    expect(key('İstanbul')).toBe(key('istanbul'));
  });
});

describe('parseTopics: several topics', () => {
  it('splits on \\n, \\r\\n and \\r alike', () => {
    for (const newline of ['\n', '\r\n', '\r']) {
      expect(parseTopics(['lora', 'quantization', '"mixture of experts"'].join(newline)).map((t) => t.text)).toEqual([
        'lora',
        'quantization',
        '"mixture of experts"',
      ]);
    }
    expect(parseTopics('a1\r\nb2\rc3\nd4').map((t) => t.text)).toEqual(['a1', 'b2', 'c3', 'd4']);
  });

  it('skips blank and whitespace-only lines', () => {
    expect(parseTopics('\n\nlora\n   \n\t\nvideo\n\n').map((t) => t.text)).toEqual(['lora', 'video']);
  });

  it('merges repeats, keeping the first as written', () => {
    const topics = parseTopics('LoRA quantization\nquantization lora\nLORA  QUANTIZATION\nvideo');
    expect(topics.map((t) => t.text)).toEqual(['LoRA quantization', 'video']);
  });

  it('accepts a list whose items may hold several lines', () => {
    const topics = parseTopics(['lora', 'video\r\naudio', '', '  ', 'LORA']);
    expect(topics.map((t) => t.text)).toEqual(['lora', 'video', 'audio']);
  });

  it('refuses input with no topic at all, and says what to type', () => {
    for (const input of ['', '\n\n', '   \r\n\t', [], ['', '\n']]) {
      const error = topicError(() => parseTopics(input));
      expect(error.message).toMatch(/at least one topic/);
      expect(error.message).toMatch(/one per line/);
    }
  });

  it('names the offending line when one of several lines is invalid', () => {
    const error = topicError(() => parseTopics('lora\n"unclosed phrase\nvideo'));
    expect(error.message).toContain('"unclosed phrase');
    expect(error.message).toMatch(/quote that is not closed/);
  });
});

describe('limits', () => {
  const distinct = (n: number) => Array.from({ length: n }, (_, i) => `topic${i}`);

  it(`accepts ${TOPIC_LIMITS.maxTopics} topics and refuses one more, saying how many are allowed`, () => {
    expect(parseTopics(distinct(TOPIC_LIMITS.maxTopics).join('\n'))).toHaveLength(TOPIC_LIMITS.maxTopics);
    const error = topicError(() => parseTopics(distinct(TOPIC_LIMITS.maxTopics + 1).join('\n')));
    expect(error.message).toContain(`more than ${TOPIC_LIMITS.maxTopics} topics`);
    expect(error.message).toMatch(/keep the ones you care about most/);
  });

  it('counts topics after merging repeats', () => {
    const lines = [...distinct(TOPIC_LIMITS.maxTopics), 'TOPIC0', 'topic1', 'topic2'];
    expect(parseTopics(lines)).toHaveLength(TOPIC_LIMITS.maxTopics);
    expect(parseTopics(Array.from({ length: 1000 }, () => 'lora')).map((t) => t.text)).toEqual(['lora']);
  });

  it(`accepts a ${TOPIC_LIMITS.maxLength}-character line and refuses a longer one, with its length and the limit`, () => {
    const longest = 'ab '.repeat(TOPIC_LIMITS.maxLength).slice(0, TOPIC_LIMITS.maxLength - 2) + 'zz';
    expect(longest).toHaveLength(TOPIC_LIMITS.maxLength);
    expect(parseTopic(longest).text).toBe(longest);

    const error = topicError(() => parseTopic(`${longest}x`));
    expect(error.message).toContain(`${TOPIC_LIMITS.maxLength + 1} characters long`);
    expect(error.message).toContain(String(TOPIC_LIMITS.maxLength));
  });

  it('quotes only the start of a very long line, so the message stays readable', () => {
    const line = 'lora '.repeat(2000);
    const error = topicError(() => parseTopic(line));
    expect(error.message).toContain('Topic “lora lora lora');
    expect(error.message).toContain('…');
    expect(error.message.length).toBeLessThan(200);
    // Spread over lines instead, the same text is simply one (merged) topic.
    expect(parseTopics('lora\n'.repeat(2000)).map((t) => t.text)).toEqual(['lora']);
  });

  it(`accepts ${TOPIC_LIMITS.maxTerms} words and phrases and refuses more, counting exclusions too`, () => {
    const words = Array.from({ length: TOPIC_LIMITS.maxTerms + 1 }, (_, i) => `w${i}`);
    expect(parseTopic(words.slice(0, TOPIC_LIMITS.maxTerms).join(' ')).include).toHaveLength(TOPIC_LIMITS.maxTerms);

    const tooMany = topicError(() => parseTopic(words.join(' ')));
    expect(tooMany.message).toContain(`${TOPIC_LIMITS.maxTerms + 1} words and phrases`);
    expect(tooMany.message).toContain(`at most ${TOPIC_LIMITS.maxTerms}`);

    const withExclusions = [...words.slice(0, TOPIC_LIMITS.maxTerms - 1), '-x1', '"a b" -"c d"'].join(' ');
    expect(topicError(() => parseTopic(withExclusions)).message).toContain(`at most ${TOPIC_LIMITS.maxTerms}`);
  });

  it('does not count repeated words against the limit', () => {
    const line = Array.from({ length: 20 }, () => 'a1 b2').join(' ');
    expect(line.split(' ').length).toBeGreaterThan(TOPIC_LIMITS.maxTerms);
    expect(parseTopic(line).include).toEqual([['a1'], ['b2']]);
  });
});

describe('common words', () => {
  it('are fine beside a word that says what the papers are about', () => {
    for (const line of ['theory of mind', 'the lottery ticket hypothesis', 'learning to rank', '"state of the art"']) {
      expect(() => parseTopic(line), line).not.toThrow();
    }
  });
});

describe('refusals are TopicErrors a person can act on', () => {
  it('is a 400 UserError for the topics field', () => {
    const error = topicError(() => parseTopic('"unclosed'));
    expect(error).toBeInstanceOf(UserError);
    expect(error.name).toBe('TopicError');
    expect(error.statusCode).toBe(400);
    expect(error.field).toBe('topics');
  });

  it.each([
    ['"mixture of experts', /quote that is not closed; close it or remove it/],
    ['a"b', /quote that is not closed/],
    ['"""', /quote that is not closed/],
    ['" OR 1=1 --', /quote that is not closed/],
    ['-lora', /only excludes words; add at least one word to look for/],
    ['-"text to image" -video', /only excludes words/],
    ['-', /no letters or digits to look for/],
    ['--', /no letters or digits/],
    ['*', /no letters or digits/],
    ['((', /no letters or digits/],
    [')', /no letters or digits/],
    ['🚀', /no letters or digits/],
    ['!@#$%^&*()', /no letters or digits/],
    ['""', /no letters or digits/],
    ['lora\u0000video', /contains a control character; type it as plain text/],
    ['lora\u0007', /control character/],
    ['lora\u000bvideo', /control character/],
    ['lora\u2028video', /control character/],
    ['the', /has only words nearly every paper holds; add a word that says what the papers are about/],
    ['of the and', /only words nearly every paper holds/],
    ['"of the" -video', /only words nearly every paper holds/],
    ['A', /only words nearly every paper holds/],
  ])('refuses %j: %s', (input, message) => {
    expect(topicError(() => parseTopic(input)).message).toMatch(message);
    expect(topicError(() => parseTopics(input)).message).toMatch(message);
  });

  // The message is shown to the person as it is (JSON body, CLI stderr): it
  // must not carry the very control characters it complains about, or an
  // escape sequence reaches their terminal.
  it.each(['lora\u0000video', 'lora\u001b[2Jvideo', 'lora\u0007'])(
    'does not echo the control character of %j back in its message',
    (input) => {
      const error = topicError(() => parseTopic(input));
      // eslint-disable-next-line no-control-regex
      expect(error.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    },
  );
});

describe('the compiled query', () => {
  it('holds only quoted runs of letters and digits, AND, OR, NOT and parentheses, for adversarial input', () => {
    let parsed = 0;
    let operators = 0;
    for (const input of ADVERSARIAL) {
      let topics: Topic[];
      try {
        topics = parseTopics(input);
      } catch (error) {
        expect(error, `input ${JSON.stringify(input)}`).toBeInstanceOf(TopicError);
        if (/uses (OR|NOT);/.test((error as Error).message)) operators += 1;
        continue;
      }
      parsed += 1;
      for (const topic of topics) expectSafeQuery(topic);
    }
    // Most of these inputs are not refused: they become plain words (or are refused for typing OR or NOT).
    expect(operators).toBeGreaterThan(0);
    expect(parsed).toBeGreaterThan((ADVERSARIAL.length - operators) / 2);
  });

  it('holds only quoted runs of letters and digits, AND, OR, NOT and parentheses, for seeded random input', () => {
    const alphabet = ['"', '"', '-', '--', ' AND ', ' OR ', ' NOT ', 'NEAR', '(', ')', '*', '^', ':', '+', '{', '}', "'", ';',
      'a', 'b', 'lora', 'Video', 'x1', '42', ' ', ' ', ' ', '\t', '\n', '\r', '🚀', 'я', '漢', 'ü', 'é', '\u0301', '\u00ad', '²'];
    const random = seededRandom(20261126);
    let parsed = 0;
    for (let n = 0; n < 3000; n += 1) {
      let input = '';
      const length = 1 + Math.floor(random() * 16);
      for (let k = 0; k < length; k += 1) input += alphabet[Math.floor(random() * alphabet.length)]!;
      try {
        const topics = parseTopics(input);
        parsed += 1;
        for (const topic of topics) expectSafeQuery(topic);
      } catch (error) {
        expect(error, `input ${JSON.stringify(input)}`).toBeInstanceOf(TopicError);
      }
    }
    expect(parsed).toBeGreaterThan(300);
  });

  it('never holds a double quote that a person typed', () => {
    const topic = parseTopic('"a b" c"d e" -"f"');
    // Only the quotes the grammar itself adds around each phrase remain.
    expect(topic.query.split('"').length - 1).toBe(2 * (topic.include.length + topic.exclude.length));
    expectSafeQuery(topic);
  });
});

describe('lines already parsed', () => {
  it('gives back the same topic for a line typed again, frozen so no caller can change it for the others', () => {
    const first = parseTopic('-video  "Mixture of Experts" =PEFT');
    const again = parseTopics(['lora', '-video  "Mixture of Experts" =PEFT']);
    expect(again[1]).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    for (const list of [first.include, first.exclude, first.typed, first.excluded]) expect(Object.isFrozen(list)).toBe(true);
    expect(Object.isFrozen(first.include[0])).toBe(true);
    expect(Object.isFrozen(first.typed[0])).toBe(true);
    expect(() => (first.include as string[][]).push(['ocean'])).toThrow(TypeError);
    expect(() => (first.typed[0]!.words as string[]).push('ocean')).toThrow(TypeError);
    expect(parseTopic('-video  "Mixture of Experts" =PEFT').include).toEqual([['mixture', 'of', 'experts'], ['peft']]);
  });

  it('keeps only lines that parse: a refused line is refused again, with its own message', () => {
    const line = '"unclosed quote';
    expect(topicError(() => parseTopic(line)).message).toMatch(/quote that is not closed/);
    expect(topicError(() => parseTopic(line)).message).toMatch(/quote that is not closed/);
  });

  it('stays correct past its cap, parsing a line anew once it was let go', () => {
    const line = 'retrieval augmented generation';
    const before = parseTopic(line);
    for (let i = 0; i < 2_500; i += 1) parseTopic(`topic ${i}`);
    const after = parseTopic(line);
    expect(after).toEqual(before);
    expect(after.key).toBe('augmented generation retrieval');
  });
});
