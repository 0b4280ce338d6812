import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { FeedbackAction, FeedbackService } from '../feedback/feedback.service.js';
import type { Choice } from '../feedback/feedback.repository.js';
import type { StoredPaper } from '../papers/paper.repository.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import { type PageRenderer, sendPage } from './page-renderer.js';
import { rateLimitConfig } from './rate-limit.js';
import { INVALID_LINK, tokenQuery } from './token-query.js';

export interface FeedbackRouteOptions {
  subscriptions: SubscriptionService;
  feedback: FeedbackService;
  pages: PageRenderer;
  rateLimit: number;
}

/** Requests per minute per address: enough to mark every paper of a digest twice over, not enough to flood the store. */
export const FEEDBACK_RATE_LIMIT = 60;

const NOT_A_PAPER = 'This link does not name a paper. Open it from your digest again, without changing it.';

const showParams = z.object({
  seq: z.string().regex(/^[1-9]\d{0,14}$/, { error: NOT_A_PAPER }),
  choice: z.enum(['more', 'less'], { error: 'This link asks for neither "more" nor "less like this". Open it from your digest again.' }),
});
const recordParams = showParams.extend({
  choice: z.enum(['more', 'less', 'undo'], { error: 'Choose "more like this", "less like this" or "undo".' }),
});

const LABEL: Record<Choice, string> = { more: 'More like this', less: 'Less like this' };
const EFFECT: Record<Choice, string> = {
  more: 'Your next digests rank papers like this one higher',
  less: 'Your next digests rank papers like this one lower',
};
const SCOPE_NOTE =
  'Your topics stay as they are: your marks only reorder what your topics find, and after three "more like this" a digest may add up to two papers from outside them, labelled "You may also like".';

/**
 * "More like this" and "Less like this" from a digest (the email, its web
 * view, the feed). As with confirming, a GET only shows the paper and both
 * choices, because mail scanners open every link; the POST records. The token
 * is signed for feedback on this one paper, so it opens nothing else, and the
 * pages link to nothing with more power.
 */
export function feedbackRoutes(app: FastifyInstance, { subscriptions, feedback, pages, rateLimit }: FeedbackRouteOptions): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  const linked = (seqText: string, token: string) => {
    const seq = Number(seqText);
    const subscriber = subscriptions.fromToken('feedback', token, String(seq));
    if (!subscriber) throw new UserError(INVALID_LINK, 400);
    const paper = feedback.paper(seq);
    if (!paper) throw new UserError('This paper is no longer stored, so there is nothing to mark.', 404);
    return { subscriber, paper, seq };
  };

  const actionsFor = (seq: number, token: string, current: Choice | null, asked: Choice | null) => [
    ...(['more', 'less'] as const)
      .filter((choice) => choice !== current)
      .map((choice) => ({ action: `/feedback/${seq}/${choice}?token=${encodeURIComponent(token)}`, label: LABEL[choice], primary: choice === asked })),
    ...(current ? [{ action: `/feedback/${seq}/undo?token=${encodeURIComponent(token)}`, label: 'Undo my choice' }] : []),
  ];

  const details = (paper: StoredPaper) => [
    { term: 'Paper', value: paper.title },
    ...(paper.authors.length > 0 ? [{ term: 'Authors', value: paper.authors.slice(0, 3).join(', ') + (paper.authors.length > 3 ? ' et al.' : '') }] : []),
  ];

  typed.get('/feedback/:seq/:choice', { schema: { params: showParams, querystring: tokenQuery }, config: { page: true, ...rateLimitConfig(rateLimit) } }, async (request, reply) => {
    const { token } = request.query;
    const { subscriber, paper, seq } = linked(request.params.seq, token);
    const asked = request.params.choice;
    const current = feedback.choiceFor(subscriber.id, seq);
    return sendPage(
      reply,
      pages.message({
        title: LABEL[asked],
        heading: current === asked ? `You marked this paper “${LABEL[asked].toLowerCase()}”` : `${LABEL[asked]}?`,
        details: details(paper),
        paragraphs: [current === asked ? `${EFFECT[asked]}. You can change or undo that here.` : `${EFFECT[asked]} once you press the button.`, SCOPE_NOTE],
        actions: actionsFor(seq, token, current, asked),
      }),
    );
  });

  typed.post('/feedback/:seq/:choice', { schema: { params: recordParams, querystring: tokenQuery }, config: { page: true, ...rateLimitConfig(rateLimit) } }, async (request, reply) => {
    const { token } = request.query;
    const { subscriber, paper, seq } = linked(request.params.seq, token);
    const now = feedback.record(subscriber.id, seq, request.params.choice as FeedbackAction);
    return answer(reply, paper, seq, token, now);
  });

  function answer(reply: FastifyReply, paper: StoredPaper, seq: number, token: string, now: Choice | null): FastifyReply {
    return sendPage(
      reply,
      pages.message({
        title: now ? `Saved: ${LABEL[now].toLowerCase()}` : 'Choice undone',
        heading: now ? `Saved: ${LABEL[now].toLowerCase()}` : 'Your choice is undone',
        details: details(paper),
        paragraphs: [
          now ? `${EFFECT[now]}, starting with the next one.` : 'This paper no longer changes how your digests are ranked.',
          'Your preferences page lists every paper you marked and can clear them all.',
        ],
        actions: actionsFor(seq, token, now, null),
      }),
    );
  }
}
