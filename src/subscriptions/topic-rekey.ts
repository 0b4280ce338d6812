import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import { parseTopic } from '../topics/topic-grammar.js';

/**
 * Brings stored topic keys in line with the grammar. A digest run matches
 * once per stored key, so two topics that now mean different things (`PEFT`
 * and the exact `"PEFT"`) must not share one. Only lines that could have
 * changed meaning (a quote or an `=`) are read, so this is cheap at start-up.
 */
export function rekeyTopics(db: Db): number {
  const rows = db
    .prepare<[], { subscriber_id: number; key: string; text: string }>(
      `SELECT subscriber_id, key, text FROM subscriber_topics WHERE text LIKE '%"%' OR text LIKE '%=%'`,
    )
    .all();
  // OR IGNORE: a subscriber who already has the new key keeps that row; the old duplicate goes.
  const update = db.prepare<[string, number, string]>('UPDATE OR IGNORE subscriber_topics SET key = ? WHERE subscriber_id = ? AND key = ?');
  const drop = db.prepare<[number, string]>('DELETE FROM subscriber_topics WHERE subscriber_id = ? AND key = ?');
  let changed = 0;
  writeTransaction(db, () => {
    for (const row of rows) {
      let key: string;
      try {
        key = parseTopic(row.text).key;
      } catch {
        continue; // The digest run skips a topic that no longer parses, and logs it.
      }
      if (key === row.key) continue;
      if (update.run(key, row.subscriber_id, row.key).changes === 0) drop.run(row.subscriber_id, row.key);
      changed += 1;
    }
  });
  return changed;
}
