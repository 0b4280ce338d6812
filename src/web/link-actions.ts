/**
 * The button a page opened by a lesser link (confirm, unsubscribe) shows
 * instead of a manage link: it posts to `/manage-link`, which emails the
 * manage link to the subscription's own address.
 */
export function manageLinkAction(token: string) {
  return { action: `/manage-link?token=${encodeURIComponent(token)}`, label: 'Email me a link to manage my subscription' };
}
