import { describe, expect, it } from 'vitest';
import { redactAdminSearch, redactTokens } from '../../src/web/request-log.js';

describe('redactTokens', () => {
  it('keeps the subscriber id and drops the signature of every token in a URL', () => {
    const mac = 'BILcKwY12oi2x-e2tOcLxfVJa0Lb-41zIuG1aPUJpoQ';
    expect(redactTokens(`/unsubscribe?token=12.1.${mac}`)).toBe('/unsubscribe?token=12.1.…');
    expect(redactTokens(`/confirm/resend?x=1&token=3.2.${mac}&y=2`)).toBe('/confirm/resend?x=1&token=3.2.…&y=2');
    expect(redactTokens(`/preferences?token=garbage${mac}`)).toBe('/preferences?token=…');
    expect(redactTokens('/api/matches?topics=lora')).toBe('/api/matches?topics=lora');
    expect(redactTokens('/confirm?token=%E0%A4%A')).toBe('/confirm?token=…');
  });

  it('catches the parameter however its name is percent-encoded, as the query parser reads it', () => {
    const mac = 'BILcKwY12oi2x-e2tOcLxfVJa0Lb-41zIuG1aPUJpoQ';
    expect(redactTokens(`/unsubscribe?%74oken=12.1.${mac}`)).toBe('/unsubscribe?%74oken=12.1.…');
    expect(redactTokens(`/confirm?a=1&%74%6F%6B%65%6E=${mac}`)).toBe('/confirm?a=1&%74%6F%6B%65%6E=…');
    expect(redactTokens(`/confirm?tokens=${mac}`)).toBe(`/confirm?tokens=${mac}`);
    expect(redactTokens(`/preferences?token[]=4.1.${mac}`)).toBe('/preferences?token[]=4.1.…');
    expect(redactTokens(`/preferences?token%5B0%5D=garbage${mac}`)).toBe('/preferences?token%5B0%5D=…');
  });

  it('drops the signature of a token anywhere else: the feed path, or another parameter', () => {
    const mac = 'BILcKwY12oi2x-e2tOcLxfVJa0Lb-41zIuG1aPUJpoQ';
    expect(redactTokens(`/feeds/7.1.${mac}.atom`)).toBe('/feeds/7.1.….atom');
    expect(redactTokens(`/feeds/7.1.%42${mac.slice(1)}.atom`)).toBe('/feeds/7.1.….atom');
    // The router decodes the dots too, so "%2E" reaches the same feed.
    expect(redactTokens(`/feeds/7%2E1%2E${mac}.atom`)).toBe('/feeds/7%2E1%2E….atom');
    expect(redactTokens(`/feeds/7%2e1.${mac}.atom`)).toBe('/feeds/7%2e1.….atom');
    expect(redactTokens(`/digests/3?t=3.1.${mac}&page=2`)).toBe('/digests/3?t=3.1.…&page=2');
    expect(redactTokens('/assets/app.1.2.3.js?v=1.2.3')).toBe('/assets/app.1.2.3.js?v=1.2.3');
  });
});

describe('redactAdminSearch', () => {
  it("drops what the admin console was asked to find, and nothing else's query", () => {
    expect(redactAdminSearch('/admin/subscribers?q=ada%40example.com')).toBe('/admin/subscribers?q=…');
    expect(redactAdminSearch('/admin/subscribers?done=erased&%71=ada@example.com')).toBe('/admin/subscribers?done=erased&%71=…');
    expect(redactAdminSearch('/api/matches?q=lora&topics=lora')).toBe('/api/matches?q=lora&topics=lora');
  });
});
