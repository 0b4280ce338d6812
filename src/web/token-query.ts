import { z } from 'zod';

export const INVALID_LINK =
  'This link is not valid: it may be incomplete, or it was replaced by a newer one. Open the link from your latest email again, without changing it.';

const MISSING_TOKEN = 'This link is missing its token. Open the link from your email again, without changing it.';

/** `?token=` on every emailed link. Its shape is checked by the signer; this only keeps it one short string. */
export const tokenQuery = z.object({
  token: z
    .string({ error: (issue) => (issue.input === undefined ? MISSING_TOKEN : INVALID_LINK) })
    .max(200, { error: INVALID_LINK }),
});
