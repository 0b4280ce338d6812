import type { DeliveryRepository } from '../digest/delivery.repository.js';
import type { FeedbackService } from '../feedback/feedback.service.js';
import type { PaperRepository } from '../papers/paper.repository.js';
import type { Subscriber } from '../subscriptions/subscriber.js';

export interface DataExportDeps {
  deliveries: DeliveryRepository;
  feedback: FeedbackService;
  papers: PaperRepository;
}

/**
 * "Download my data": everything paperboy stores about one reader, as JSON.
 * Their token secret and version are left out: they are not about the
 * reader but the key to their links, and a file that is mailed around or
 * kept in a downloads folder must not hold one.
 */
export class DataExport {
  constructor(private readonly deps: DataExportDeps) {}

  export(subscriber: Subscriber, now: Date) {
    const { deliveries, feedback, papers } = this.deps;
    const rows = deliveries.allForSubscriber(subscriber.id);
    const seqs = new Set(rows.flatMap((row) => [...row.content.papers.map(([seq]) => seq), ...(row.content.also ?? []).map(([seq]) => seq)]));
    const paperOf = new Map(papers.findBySeqs([...seqs]).map((paper) => [paper.seq, { id: paper.id, title: paper.title }]));
    const described = (seq: number) => paperOf.get(seq) ?? { id: null, title: null };
    return {
      exportedAt: now.toISOString(),
      subscription: {
        email: subscriber.email,
        status: subscriber.status,
        frequency: subscriber.frequency,
        weekday: subscriber.weekday,
        sendHour: subscriber.sendHour,
        timezone: subscriber.timezone,
        createdAt: subscriber.createdAt,
        updatedAt: subscriber.updatedAt,
        confirmSentAt: subscriber.confirmSentAt,
        lastNoticeAt: subscriber.lastNoticeAt,
        confirmedAt: subscriber.confirmedAt,
        unsubscribedAt: subscriber.unsubscribedAt,
      },
      topics: subscriber.topics.map((topic) => topic.text),
      choices: feedback.list(subscriber.id).map(({ paperId, title, choice, chosenAt }) => ({ paper: paperId, title, choice, chosenAt })),
      digests: rows.map((row) => ({
        digestKey: row.digestKey,
        status: row.status,
        plannedAt: row.plannedAt,
        sentAt: row.sentAt,
        attempts: row.attempts,
        messageId: row.messageId,
        topics: row.content.topics,
        papers: row.content.papers.slice(0, row.shown).map(([seq]) => described(seq)),
        alsoLiked: (row.content.also ?? []).map(([seq]) => described(seq)),
      })),
    };
  }
}
