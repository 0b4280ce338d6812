import type { TestApp } from './app.js';
import { FORM, cookiesFrom, form, hiddenField, unescapeHtml } from './http.js';

export const ADMIN_PASSWORD = 'correct horse battery staple';

/** A logged-in admin browser: its cookies, and a fresh CSRF token from a page. */
type Answer = Promise<Awaited<ReturnType<TestApp['app']['inject']>>>;

export interface AdminClient {
  cookie: string;
  get(url: string): Answer;
  /** Posts a form from `page` (its CSRF token included) to `url`. */
  post(url: string, fields?: Record<string, string>, page?: string): Answer;
}

function merge(cookie: string, setCookie: string | string[] | undefined): string {
  const jar = new Map(cookie ? cookie.split('; ').map((pair) => [pair.split('=')[0]!, pair] as const) : []);
  for (const pair of cookiesFrom(setCookie).split('; ').filter(Boolean)) {
    if (pair.endsWith('=')) jar.delete(pair.split('=')[0]!);
    else jar.set(pair.split('=')[0]!, pair);
  }
  return [...jar.values()].join('; ');
}

/** The login form's cookies and CSRF token, then a post of `password` with them. */
export async function tryLogin({ app }: Pick<TestApp, 'app'>, password: string, cookie = '') {
  const page = await app.inject({ method: 'GET', url: '/admin/login', headers: { cookie } });
  const jar = merge(cookie, page.headers['set-cookie']);
  const response = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...FORM, cookie: jar },
    payload: form({ password, _csrf: unescapeHtml(hiddenField(page.body, '_csrf')) }),
  });
  return { response, cookie: merge(jar, response.headers['set-cookie']) };
}

export async function loginAdmin(world: Pick<TestApp, 'app'>): Promise<AdminClient> {
  const { response, cookie } = await tryLogin(world, ADMIN_PASSWORD);
  if (response.statusCode !== 303) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  const client: AdminClient = {
    cookie,
    get: async (url) => world.app.inject({ method: 'GET', url, headers: { cookie: client.cookie } }),
    post: async (url, fields = {}, page = '/admin') => {
      const html = (await client.get(page)).body;
      return world.app.inject({
        method: 'POST',
        url,
        headers: { ...FORM, cookie: client.cookie },
        payload: form({ ...fields, _csrf: unescapeHtml(hiddenField(html, '_csrf')) }),
      });
    },
  };
  return client;
}
