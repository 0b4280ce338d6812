import { describe, expect, it } from 'vitest';
import { distinctTerms } from '../../src/ranking/match-preview.js';

describe('distinctTerms', () => {
  it('shows each matched word once, in the form first seen, whatever its hyphens or case', () => {
    expect(distinctTerms(['test-time', 'test time', 'Test-Time', 'lora'])).toEqual(['test-time', 'lora']);
  });

  it('leaves out a word that a longer matched phrase already shows', () => {
    expect(distinctTerms(['adaptation', 'test-time adaptation', 'domain'])).toEqual(['test-time adaptation', 'domain']);
    // Whole words only: "adapt" is not part of "adaptation".
    expect(distinctTerms(['adapt', 'adaptation'])).toEqual(['adapt', 'adaptation']);
  });

  it('drops terms with no letters or digits', () => {
    expect(distinctTerms(['--', 'moe'])).toEqual(['moe']);
  });
});
