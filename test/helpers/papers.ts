import { emptyPaper, type PaperInput } from '../../src/papers/paper.js';

let next = 0;

/** A paper with every field filled; override what the test is about. */
export function paper(overrides: Partial<PaperInput> = {}): PaperInput {
  next += 1;
  return {
    ...emptyPaper(`2501.${String(next).padStart(5, '0')}`, 'hf', `Paper number ${next}`),
    abstract: 'An abstract about nothing in particular.',
    authors: ['Ada Lovelace', 'Alan Turing'],
    categories: ['cs.LG'],
    publishedAt: '2026-11-20T00:00:00.000Z',
    upvotes: 10,
    ...overrides,
  };
}
