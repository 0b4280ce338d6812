/**
 * The digest run when readers have taught it: the plain run's world (built
 * by the same function, so the same readers, topics and papers), with a
 * share of the readers holding "more/less like this" choices and a fitted
 * model, so the run scores those readers' papers with their model and looks
 * for "You may also like". Reported beside the plain run.
 */
import { FeedbackRepository, type Choice } from '../src/feedback/feedback.repository.js';
import { fitModel } from '../src/feedback/reader-model.js';
import { PaperVectorRepository } from '../src/papers/paper-vector.repository.js';
import { RUN_AT, syntheticPapers } from '../test/kit/synthetic.js';
import { seededRandom } from '../test/kit/random.js';
import { storePapers } from '../test/kit/world.js';
import { openDatabase } from '../src/db/connection.js';
import { buildWorld } from './synthetic.js';
import { pipeline, type PipelineFigures } from './digest.bench.js';
import type { Sink } from './smtp-sink.js';

const DAY_MS = 86_400_000;
/** Distinct taste profiles; fitting one per reader would make building the world the slowest part of the benchmark. */
const PROFILES = 50;
/** Papers the readers marked, stored three weeks before the run so no digest window reaches them. */
const MARKED_PAPERS = 200;

export interface FeedbackFigures extends PipelineFigures {
  readersWithChoices: number;
}

export async function feedbackPipeline(
  sink: Sink,
  { subscribers, papers, topics, share = 0.1 }: { subscribers: number; papers: number; topics: number; share?: number },
  nodeArgs: readonly string[] = [],
): Promise<FeedbackFigures> {
  // The plain run's own world (same readers, topics and papers), so the two runs differ only by the models.
  const world = buildWorld({ subscribers, papers, topics });
  try {
    const db = openDatabase(world.file);
    let readersWithChoices: number;
    try {
      readersWithChoices = teach(db, share);
    } finally {
      db.close();
    }
    const figures = await pipeline(sink, world, nodeArgs);
    return { ...figures, readersWithChoices };
  } finally {
    world.close();
  }
}

/** Gives every 1/share-th reader a profile's choices and model, through the repository the app writes them with. */
function teach(db: Parameters<typeof storePapers>[0], share: number): number {
  storePapers(db, syntheticPapers(MARKED_PAPERS, { seed: 7, prefix: '2610' }), new Date(RUN_AT.getTime() - 21 * DAY_MS));
  const marked = db.prepare<[], { seq: number }>("SELECT seq FROM papers WHERE id LIKE '2610.%' ORDER BY seq").all().map((row) => row.seq);
  const vectors = new PaperVectorRepository(db).vectors(marked);
  const random = seededRandom(17);
  const pick = () => marked[Math.floor(random() * marked.length)]!;
  const profiles = Array.from({ length: PROFILES }, () => {
    const choices = new Map<number, Choice>();
    for (let i = 0; i < 3 + Math.floor(random() * 4); i += 1) choices.set(pick(), 'more');
    for (let i = 0; i < 1 + Math.floor(random() * 2); i += 1) choices.set(pick(), 'less');
    const of = (choice: Choice) => [...choices].filter(([, c]) => c === choice).map(([seq]) => vectors.get(seq)!);
    const weights = fitModel({ positives: of('more'), negatives: of('less'), unmarked: [] });
    const liked = [...choices].filter(([, c]) => c === 'more').map(([seq]) => seq);
    return { choices, model: { weights, positives: liked.length, negatives: choices.size - liked.length, liked } };
  });
  const ids = db.prepare<[], { id: number }>('SELECT id FROM subscribers ORDER BY id').all().map((row) => row.id);
  const every = Math.max(1, Math.round(1 / share));
  const repo = new FeedbackRepository(db);
  const at = new Date(RUN_AT.getTime() - DAY_MS).toISOString();
  let taught = 0;
  repo.atomically(() => {
    ids.forEach((id, i) => {
      if (i % every !== 0) return;
      const profile = profiles[taught % PROFILES]!;
      for (const [seq, choice] of profile.choices) repo.setChoice(id, seq, choice, at);
      repo.saveModel(id, profile.model, at);
      taught += 1;
    });
  });
  return taught;
}
