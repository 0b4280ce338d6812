/**
 * The subscribe benchmark's yardstick: a bare Fastify route that parses a
 * form and does one SQLite insert, on the same database settings as
 * paperboy, and nothing else. Started as a child process by
 * subscribe.bench.ts; prints its port when it listens.
 */
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { openDatabase } from '../src/db/connection.js';

const db = openDatabase(process.env.DATABASE_PATH!);
db.exec('CREATE TABLE IF NOT EXISTS signups (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)');
const insert = db.prepare<[string, string]>('INSERT INTO signups (email, created_at) VALUES (?, ?)');

const app = Fastify({ logger: false });
app.register(formbody);
app.post('/subscribe', async (request) => {
  const { email } = request.body as { email: string };
  insert.run(email, new Date().toISOString());
  return 'ok';
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as { port: number }).port })}\n`);
