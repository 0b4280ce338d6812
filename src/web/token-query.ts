import { z } from 'zod';
import { UserError } from '../errors.js';
import type { Subscriber } from '../subscriptions/subscriber.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import type { TokenPurpose } from '../subscriptions/tokens.js';

export const INVALID_LINK =
  'This link is not valid: it may be incomplete, or it was replaced by a newer one. Open the link from your latest email again, without changing it.';

export const MISSING_TOKEN = 'This link is missing its token. Open the link from your email again, without changing it.';

/**
 * A link from an email that opens nothing: broken, replaced, or naming
 * something that is gone. Its page offers to email a fresh link, since the
 * person holding it has no other way back to their subscription.
 */
export class LinkError extends UserError {
  override name = 'LinkError';

  constructor(message: string, statusCode = 400) {
    super(message, statusCode);
  }
}

/** `?token=` on every emailed link. Its shape is checked by the signer; this only keeps it one short string. */
export const tokenQuery = z.object({
  token: z
    .string({ error: (issue) => (issue.input === undefined ? MISSING_TOKEN : INVALID_LINK) })
    .max(200, { error: INVALID_LINK }),
});

/** The subscriber a link's token names, or a 400 page saying the link is not valid. */
export function subscriberFromLink(subscriptions: SubscriptionService, purpose: TokenPurpose, token: string): Subscriber {
  const subscriber = subscriptions.fromToken(purpose, token);
  if (!subscriber) throw new LinkError(INVALID_LINK);
  return subscriber;
}
