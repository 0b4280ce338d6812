import { parseArgs } from 'node:util';
import { MAX_MATCH_LIMIT } from '../ranking/paper-search.js';
import { createPaperServices } from '../services.js';
import { openStore } from '../store.js';
import { printable } from '../text.js';
import { type Command, EXIT, parseLimit, UsageError } from './command.js';

export const matchCommand: Command = async (args, { config, stdout }) => {
  const { values, positionals } = readArgs(args);
  const limit = parseLimit(values.limit, MAX_MATCH_LIMIT);
  if (positionals.length === 0) throw new UsageError('match needs at least one topic, such as: paperboy match "test-time adaptation"');

  const { db } = openStore(config.databasePath, { seedIfEmpty: true });
  try {
    // Each argument is one topic, as one line of the subscribe form is.
    const results = createPaperServices(db).search.search(positionals, { limit });
    if (values.json) {
      stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      return EXIT.ok;
    }
    if (results.length === 0) {
      stdout.write('No paper matches those topics.\n');
      return EXIT.ok;
    }
    results.forEach((paper, index) => {
      const votes = paper.upvotes === null ? '' : ` · ${paper.upvotes} upvotes`;
      // Titles, words and ids come from sources: escaped, they cannot drive the terminal.
      stdout.write(`${String(index + 1).padStart(2)}. ${printable(paper.title)}\n`);
      // Significant digits, not decimals: a months-old paper's score is tiny but still orders the list.
      stdout.write(`    score ${paper.score.toPrecision(3)}${votes} · matched: ${printable(paper.matched.join(', '))} · ${printable(paper.id)}\n`);
      if (paper.expansions.length > 0) stdout.write(`    expanded: ${printable(paper.expansions.join('; '))}\n`);
    });
    return EXIT.ok;
  } finally {
    db.close();
  }
};

/**
 * The options and topics. A topic that starts with an exclusion ("-video
 * diffusion") reads as an option; the message says how to pass it.
 */
function readArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, limit: { type: 'string', default: '10' } },
      allowPositionals: true,
    });
  } catch (err) {
    const unknown = (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    const topic = args.find((arg) => arg.startsWith('-') && !/^--?(json|limit)(=|$)/.test(arg));
    if (!unknown || topic === undefined || topic.startsWith('--')) throw err;
    throw new UsageError(`"${printable(topic)}" is not an option; a topic that starts with "-" goes after --, as in: paperboy match -- "${printable(topic)}"`);
  }
}
