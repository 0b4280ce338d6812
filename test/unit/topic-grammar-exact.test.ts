import { describe, expect, it } from 'vitest';
import { parseTopic, parseTopics, TOPIC_LIMITS, TopicError } from '../../src/topics/topic-grammar.js';

/**
 * Exact forms the rest of the app relies on: stored keys (two topics merge
 * when their keys are equal), the compiled query and the wording of every
 * refusal, with each limit checked at the boundary and one past it.
 */

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TopicError);
    return (error as TopicError).message;
  }
  throw new Error('expected a TopicError, but nothing was thrown');
}

const key = (line: string) => parseTopic(line).key;

describe('the key, as stored', () => {
  it.each([
    ['a  B', 'a b'],
    ['quantization LoRA', 'lora quantization'],
    ['b a b A', 'a b'],
    ['"Mixture of  Experts"', '"mixture of experts"'],
    ['test-time adaptation', '"test time" adaptation'],
    ['lora -video -audio -video', 'lora -audio -video'],
    ['--video lora', 'lora -video'],
    ['diffusion -"Text to Image"', 'diffusion -"text to image"'],
    ['=PEFT', '=peft'],
    ['"PEFT"', '=peft'],
    ['peft =PEFT', '=peft peft'],
    ['lora -=video', 'lora -=video'],
    ['lora -"video"', 'lora -=video'],
    ['="a b"', '"a b"'],
    ['=a-b', '"a b"'],
    ['x"y"z', '=y x z'],
    ['lora = video', 'lora video'],
    ['lora =', 'lora'],
    ['a\tb\tc', 'a b c'],
    ['q\u0301x\u0301', 'qx'],
    ['İSTİKLAL', 'istiklal'],
  ])('keys %j as %j', (line, expected) => {
    expect(key(line)).toBe(expected);
  });

  it('keeps words apart from phrases, whatever the spacing', () => {
    expect(key('"ab c"')).toBe('"ab c"');
    expect(key('"a bc"')).toBe('"a bc"');
    expect(key('ab c')).toBe('ab c');
    expect(key('a bc')).toBe('a bc');
    expect(key('-"ab c" x')).toBe('x -"ab c"');
    expect(key('-"a bc" x')).toBe('x -"a bc"');
  });
});

describe('the terms and the query', () => {
  it('sorts the query terms but keeps the typed terms in the order typed, each once', () => {
    const topic = parseTopic('quantization LoRA =lora quantization');
    expect(topic.query).toBe('"lora" AND "quantization"');
    expect(topic.include).toEqual([['lora'], ['quantization']]);
    expect(topic.typed).toEqual([
      { words: ['quantization'], exact: false },
      { words: ['lora'], exact: false },
      { words: ['lora'], exact: true },
    ]);
  });

  it('joins exclusions with OR, phrases first as their keys sort', () => {
    const topic = parseTopic('diffusion -audio -"text to image" -text-to-video -"video"');
    expect(topic.query).toBe('("diffusion") NOT ("text to image" OR "text to video" OR "audio" OR "video")');
    expect(topic.exclude).toEqual([['text', 'to', 'image'], ['text', 'to', 'video'], ['audio'], ['video']]);
    expect(topic.excluded).toEqual([
      { words: ['audio'], exact: false },
      { words: ['text', 'to', 'image'], exact: false },
      { words: ['text', 'to', 'video'], exact: false },
      { words: ['video'], exact: true },
    ]);
  });

  it('marks only a single word as exact', () => {
    expect(parseTopic('="x y"').typed).toEqual([{ words: ['x', 'y'], exact: false }]);
    expect(parseTopic('=x-y').typed).toEqual([{ words: ['x', 'y'], exact: false }]);
    expect(parseTopic('="x"').typed).toEqual([{ words: ['x'], exact: true }]);
    expect(parseTopic('"x"').typed).toEqual([{ words: ['x'], exact: true }]);
    expect(parseTopic('"x ::"').typed).toEqual([{ words: ['x'], exact: true }]);
    // An equals sign followed by a space is punctuation, not a mark.
    expect(parseTopic('= x').typed).toEqual([{ words: ['x'], exact: false }]);
  });
});

describe('refusals, word for word', () => {
  it.each([
    ['"a b', 'Topic “"a b” has a quote that is not closed; close it or remove it.'],
    ['"a \t  b', 'Topic “"a b” has a quote that is not closed; close it or remove it.'],
    ['-lora -"a b"', 'Topic “-lora -"a b"” only excludes words; add at least one word to look for.'],
    ['- ::', 'Topic “- ::” has no letters or digits to look for.'],
    ['  ""  ', 'Topic “""” has no letters or digits to look for.'],
    ['a\u0000b\u0000c', 'Topic “a\u2400b\u2400c” contains a control character; type it as plain text.'],
    ['a\u001b[2Jb', 'Topic “a\u241b[2Jb” contains a control character; type it as plain text.'],
    ['a\u0001b\u001fc', 'Topic “a\u2401b\u241fc” contains a control character; type it as plain text.'],
    ['a\u007fb', 'Topic “a\u2421b” contains a control character; type it as plain text.'],
    ['a\u0080b\u009fc', 'Topic “a\ufffdb\ufffdc” contains a control character; type it as plain text.'],
    ['a\u0085b', 'Topic “a\ufffdb” contains a control character; type it as plain text.'],
    ['a\u2028b', 'Topic “a b” contains a control character; type it as plain text.'],
    ['a\u2029b', 'Topic “a b” contains a control character; type it as plain text.'],
    ['a\u000bb', 'Topic “a b” contains a control character; type it as plain text.'],
  ])('refuses %j with %j', (line, expected) => {
    expect(message(() => parseTopic(line))).toBe(expected);
  });

  it('accepts tabs anywhere between words', () => {
    expect(parseTopic('a\tb\t\tc').include).toEqual([['a'], ['b'], ['c']]);
  });

  it('quotes up to 40 characters of the line, then an ellipsis', () => {
    // An unclosed quote, so the line is refused whatever its length.
    const line = (n: number) => `"${'abcdefghij'.repeat(5).slice(0, n - 1)}`;
    expect(line(40)).toHaveLength(40);
    expect(message(() => parseTopic(line(39)))).toBe(`Topic “${line(39)}” has a quote that is not closed; close it or remove it.`);
    expect(message(() => parseTopic(line(40)))).toBe(`Topic “${line(40)}” has a quote that is not closed; close it or remove it.`);
    expect(message(() => parseTopic(line(41)))).toBe(`Topic “${line(40)}…” has a quote that is not closed; close it or remove it.`);
  });
});

describe('limits at the boundary and one past it', () => {
  it(`accepts ${TOPIC_LIMITS.maxLength} characters, not counting the spaces around, and refuses one more`, () => {
    const longest = `${'abcd '.repeat(40).slice(0, TOPIC_LIMITS.maxLength - 1)}z`;
    expect(longest).toHaveLength(200);
    expect(parseTopic(`  ${longest}  `).text).toBe(longest);
    expect(message(() => parseTopic(`${longest}z`))).toBe(
      `Topic “${longest.slice(0, 40)}…” is 201 characters long; use at most 200.`,
    );
  });

  it('measures the length of the line in normal form', () => {
    // "ﬁ" is one character as typed and two ("fi") in normal form.
    const line = `${'a'.repeat(TOPIC_LIMITS.maxLength - 1)}ﬁ`;
    expect(message(() => parseTopic(line))).toMatch(/ is 201 characters long; use at most 200\.$/);
  });

  it(`accepts ${TOPIC_LIMITS.maxTerms} words and phrases, counting exclusions, and refuses one more`, () => {
    expect(TOPIC_LIMITS.maxTerms).toBe(12);
    expect(parseTopic('a b c d e f g h i j k l').include).toHaveLength(12);
    expect(parseTopic('a b c d e f g h i j -k -"l m"').exclude).toHaveLength(2);
    // The same word typed plain and exact is one term.
    expect(parseTopic('a b c d e f g h i j k l =a "b"').include).toHaveLength(12);
    expect(message(() => parseTopic('a b c d e f g h i j k l m'))).toBe(
      'Topic “a b c d e f g h i j k l m” has 13 words and phrases; use at most 12.',
    );
    expect(message(() => parseTopic('a b c d e f g h i j k -l -m'))).toBe(
      'Topic “a b c d e f g h i j k -l -m” has 13 words and phrases; use at most 12.',
    );
  });

  it(`accepts ${TOPIC_LIMITS.maxTopics} topics and refuses one more`, () => {
    expect(TOPIC_LIMITS.maxTopics).toBe(25);
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    expect(parseTopics(lines(25)).map((topic) => topic.key)).toEqual(lines(25));
    expect(message(() => parseTopics(lines(26)))).toBe('That is more than 25 topics; keep the ones you care about most.');
  });

  it('reports every bad topic at once, in the order typed, and keeps good ones out of the message', () => {
    const error = (() => {
      try {
        parseTopics('LoRA\n"a b\n-video\nLoRA adapters\n- ::');
      } catch (err) {
        return err as TopicError;
      }
      throw new Error('expected a TopicError');
    })();
    expect(error).toBeInstanceOf(TopicError);
    expect(error.problems).toEqual([
      'Topic “"a b” has a quote that is not closed; close it or remove it.',
      'Topic “-video” only excludes words; add at least one word to look for.',
      'Topic “- ::” has no letters or digits to look for.',
    ]);
    expect(error.message).toBe(error.problems.join(' '));
    expect(error.field).toBe('topics');
  });

  it('counts bad lines towards the topic limit, so a flood of them stops early', () => {
    const bad = Array.from({ length: 26 }, (_, i) => `-t${i}`);
    expect(message(() => parseTopics(bad))).toBe('That is more than 25 topics; keep the ones you care about most.');
    expect(message(() => parseTopics([...bad.slice(0, 20), 'a', 'b', 'c', 'd', 'e']))).toMatch(/^Topic “-t0” only excludes/);
    expect(message(() => parseTopics([...bad.slice(0, 20), 'a', 'b', 'c', 'd', 'e', 'f']))).toBe(
      'That is more than 25 topics; keep the ones you care about most.',
    );
  });

  it('asks for a topic when there is none', () => {
    expect(message(() => parseTopics(' \n\t'))).toBe('Enter at least one topic, one per line, such as: test-time adaptation');
  });
});
