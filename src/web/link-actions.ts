import type { FastifyReply } from 'fastify';
import { emailSchema } from '../subscriptions/subscription.schema.js';
import { type PageRenderer, sendMessage } from './page-renderer.js';

/**
 * The button a page opened by a lesser link (confirm, unsubscribe) shows
 * instead of a manage link: it posts to `/manage-link`, which emails the
 * manage link to the subscription's own address.
 */
export function manageLinkAction(token: string) {
  return { action: `/manage-link?token=${encodeURIComponent(token)}`, label: 'Email me a link to manage my subscription' };
}

/**
 * The same offer as a plain link, for a page whose one button is its own
 * (unsubscribe): it opens a page with the button above.
 */
export function manageLinkLink(token: string) {
  return { href: `/manage-link?token=${encodeURIComponent(token)}`, label: 'Change my topics or schedule instead' };
}

/**
 * The address a "email me a fresh link" form posted. When it is not one,
 * answers 400 with the same form again and returns null; the caller then
 * only returns the reply.
 */
export function postedAddress(body: unknown, reply: FastifyReply, pages: PageRenderer, form: { action: string; label: string }): string | null {
  const email = emailSchema.safeParse((body as Record<string, unknown> | null)?.email);
  if (email.success) return email.data;
  sendMessage(reply.code(400), pages, {
    title: 'Check the address',
    heading: 'Check the address',
    paragraphs: [email.error.issues[0]?.message ?? 'Enter your email address.'],
    emailForm: form,
  });
  return null;
}
