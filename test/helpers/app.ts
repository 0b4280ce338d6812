import { afterEach } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { SnsTrust } from '../../src/bounces/sns-verifier.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/connection.js';
import type { Logger } from '../../src/logger.js';
import type { MailTransport } from '../../src/mail/mail-transport.js';
import { readSeedPapers } from '../../src/papers/sources/seed.source.js';
import { createServices, type Services } from '../../src/services.js';
import type { HttpLimits } from '../../src/web/connection-limits.js';
import { createWorld } from '../kit/world.js';
import { tempDir } from './store.js';

export const TEST_SECRET = 'test-secret-key-that-is-long-enough-0123456789';
export const PUBLIC_URL = 'http://paperboy.test';

export interface TestApp {
  app: ReturnType<typeof buildApp>;
  db: Db;
  services: Services;
  dir: string;
}

const opened: TestApp[] = [];
afterEach(async () => {
  for (const { app, services, db } of opened.splice(0)) {
    await app.close();
    await services.close();
    if (db.open) db.close();
  }
});

export interface TestAppOptions {
  /** Settings on top of the test defaults (a temp database, a fixed key, the outbox). */
  env?: Record<string, string>;
  /** Load the seed papers (default true). */
  seed?: boolean;
  transport?: MailTransport;
  clock?: () => Date;
  logger?: Logger;
  /** HTTP timeouts and connection caps, shortened for a test. */
  limits?: Partial<HttpLimits>;
  /** The SNS certificates and links to trust; a test that signs its own SNS messages serves its certificate locally. */
  snsTrust?: SnsTrust;
}

/** The real app over a world from the test kit (a real SQLite file with the real migrations), closed after the test. */
export async function testApp({ env = {}, seed = true, transport, clock, logger, limits, snsTrust }: TestAppOptions = {}): Promise<TestApp> {
  const dir = tempDir();
  // Seed papers are stored at the real time, as `paperboy ingest` at start-up would.
  const { db, file } = createWorld({ dir, papers: seed ? readSeedPapers() : [], papersAt: new Date() });
  const config = loadConfig({ DATABASE_PATH: file, SECRET_KEY: TEST_SECRET, PUBLIC_URL, LOG_LEVEL: 'silent', ...env });
  const services = await createServices(db, config, { transport, clock, logger, snsTrust });
  const app = buildApp({ services, limits });
  const testApp = { app, db, services, dir };
  opened.push(testApp);
  return testApp;
}
