import { describe, expect, it } from 'vitest';
import { isFormOf, wordForm } from '../../src/word-forms.js';

const forms = (typed: string, candidates: string[]) => candidates.filter((token) => isFormOf(token, wordForm(typed)));

describe('isFormOf', () => {
  it('takes the typed word with an ending, its last consonant doubled or not', () => {
    expect(forms('transfer', ['transfer', 'transfers', 'transferred', 'transferring', 'transferable', 'transform', 'transformer', 'transformers', 'transformation'])).toEqual([
      'transfer',
      'transfers',
      'transferred',
      'transferring',
      'transferable',
    ]);
    expect(forms('position', ['positions', 'positional', 'positioning', 'positive', 'positively'])).toEqual(['positions', 'positional', 'positioning']);
  });

  it('takes another ending of the same stem, and anything after a stem in "-iz"', () => {
    expect(forms('quantization', ['quantize', 'quantized', 'quantizer', 'quantizers', 'quantizing', 'quantum'])).toEqual([
      'quantize',
      'quantized',
      'quantizer',
      'quantizers',
      'quantizing',
    ]);
    expect(forms('generalization', ['generalizable', 'generalizability', 'general', 'generation'])).toEqual(['generalizable', 'generalizability']);
    expect(forms('detection', ['detect', 'detected', 'detecting', 'detects', 'detector', 'determine'])).toEqual(['detect', 'detected', 'detecting', 'detects']);
  });

  it('keeps words that merely start alike apart', () => {
    expect(forms('species', ['specific', 'specialized', 'special'])).toEqual([]);
    expect(forms('caption', ['capture', 'captured', 'captions', 'captioning'])).toEqual(['captions', 'captioning']);
    expect(forms('integer', ['integration', 'integrates', 'integers'])).toEqual(['integers']);
  });

  it('takes the British and the American spelling of an "-ize" word for each other, by their endings only', () => {
    expect(forms('quantisation', ['quantization', 'quantized', 'quantised', 'quantising', 'quantum'])).toEqual(['quantization', 'quantized', 'quantised', 'quantising']);
    expect(forms('normalization', ['normalisation', 'normalised', 'normalizing'])).toEqual(['normalisation', 'normalised', 'normalizing']);
    expect(forms('organization', ['organisation', 'organism', 'organisms', 'organised'])).toEqual(['organisation', 'organised']);
  });
});
