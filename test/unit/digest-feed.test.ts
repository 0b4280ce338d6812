import { describe, expect, it } from 'vitest';
import { xmlText } from '../../src/digest/digest-feed.js';

describe('xmlText', () => {
  it('escapes markup and quotes, so paper data stays text in an element or an attribute', () => {
    expect(xmlText(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
  });

  it('drops what XML 1.0 cannot carry at all, and keeps the rest of the text', () => {
    expect(xmlText('a\u0000b\u0008c\u000bd\u001fe\uffff')).toBe('abcde');
    expect(xmlText('lone \ud800 surrogate \udc00')).toBe('lone  surrogate ');
    expect(xmlText('tab\tnew\nline and 🐟 stay')).toBe('tab\tnew\nline and 🐟 stay');
  });
});
