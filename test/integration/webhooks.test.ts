import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAmazonSnsUrl } from '../../src/bounces/sns-verifier.js';
import { digestWorld } from '../helpers/digest.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { paper } from '../helpers/papers.js';
import { tempDir } from '../helpers/store.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';
const POSTMARK = { POSTMARK_WEBHOOK_USER: 'postmark', POSTMARK_WEBHOOK_PASSWORD: 'a-long-webhook-password-123' };

/** A key pair and self-signed certificate made now, for this test only. */
function signingIdentity() {
  const dir = tempDir();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=sns.test'], { stdio: 'ignore' });
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

/** Signs as SNS does: the listed fields, in this order, as "Name\nValue\n" (written out here, not taken from the code under test). */
function sign<T extends Record<string, string>>(message: T, key: string, version: '1' | '2'): T & { SignatureVersion: string; Signature: string } {
  const fields =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = fields.filter((name) => message[name] !== undefined).map((name) => `${name}\n${message[name]}\n`).join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(text).sign(key, 'base64');
  return { ...message, SignatureVersion: version, Signature: signature };
}

async function world(env: Record<string, string> = {}) {
  const identity = signingIdentity();
  const certs = await startFixtureServer((request) =>
    request.path === '/SimpleNotificationService-test.pem' ? { body: identity.cert } : { body: 'confirmed' },
  );
  // The one place the trusted host changes: this local server stands in for sns.<region>.amazonaws.com.
  const snsTrust = {
    isAllowedUrl: (url: string) => url.startsWith(`${certs.url}/`),
    fetchText: async (url: string) => (await fetch(url)).text(),
  };
  const w = await digestWorld({ env: { SES_TOPIC_ARNS: TOPIC, ...POSTMARK, ...env }, snsTrust });
  w.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
  w.subscribe({ email: 'bob@example.com', topics: ['zebrafish'] });
  w.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
  await w.run('2026-11-27T08:00:00Z');
  const messageIdOf = (email: string) => w.inbox(email)[0]!.parsed.messageId!;
  const certUrl = `${certs.url}/SimpleNotificationService-test.pem`;

  const notification = (ses: unknown, version: '1' | '2' = '2', key = identity.key) =>
    sign(
      {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: TOPIC,
        Message: JSON.stringify(ses),
        Timestamp: new Date().toISOString(),
        SigningCertURL: certUrl,
        UnsubscribeURL: `${certs.url}/unsubscribe`,
      },
      key,
      version,
    );
  const postSns = (body: unknown, type = (body as { Type: string }).Type) =>
    w.app.inject({
      method: 'POST',
      url: '/webhooks/ses',
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { ...w, identity, certs, certUrl, messageIdOf, notification, postSns };
}

/** An SES bounce notification as SES sends it, for the digest with this Message-ID. */
function sesBounce(email: string, messageId: string, bounceType = 'Permanent') {
  return {
    notificationType: 'Bounce',
    bounce: {
      feedbackId: '0102017c-bounce',
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [{ emailAddress: email, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: '2026-11-27T08:00:05.000Z',
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: {
      timestamp: '2026-11-27T08:00:01.000Z',
      source: 'paperboy@paperboy.example.org',
      sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/paperboy.example.org',
      sendingAccountId: '123456789012',
      messageId: '0102017c-ses-own-id',
      destination: [email],
      headersTruncated: false,
      headers: [
        { name: 'From', value: 'Paperboy <paperboy@paperboy.example.org>' },
        { name: 'To', value: email },
        { name: 'Message-ID', value: messageId },
      ],
      commonHeaders: { from: ['Paperboy <paperboy@paperboy.example.org>'], to: [email], messageId, subject: 'Zebrafish' },
    },
  };
}

const status = (w: Awaited<ReturnType<typeof world>>, email: string) => w.services.subscribers.findByEmail(email)!.status;
const reportCount = (w: Awaited<ReturnType<typeof world>>) => (w.db.prepare('SELECT count(*) AS n FROM mail_reports').get() as { n: number }).n;

describe('POST /webhooks/ses (Amazon SES through SNS)', () => {
  it('refuses a notification whose signature does not verify, and changes nothing', async () => {
    const w = await world();
    const genuine = w.notification(sesBounce('ada@example.com', w.messageIdOf('ada@example.com')));
    // Someone changes the address the bounce is about after it was signed.
    const tampered = { ...genuine, Message: genuine.Message.replaceAll('ada@example.com', 'bob@example.com') };
    const forgedKey = w.notification(sesBounce('ada@example.com', w.messageIdOf('ada@example.com')), '2', signingIdentity().key);
    for (const body of [tampered, forgedKey]) {
      const response = await w.postSns(body);
      expect(response.statusCode).toBe(403);
      expect(response.json().message).toMatch(/signature/);
    }
    expect(status(w, 'ada@example.com')).toBe('active');
    expect(status(w, 'bob@example.com')).toBe('active');
    expect(reportCount(w)).toBe(0);
  });

  it('a validly signed Permanent bounce suppresses the reader and marks the digest, once', async () => {
    const w = await world();
    const body = w.notification(sesBounce('ada@example.com', w.messageIdOf('ada@example.com')));
    const response = await w.postSns(body);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ stored: true, outcomes: ['suppressed'] });
    expect(status(w, 'ada@example.com')).toBe('bounced');
    expect(status(w, 'bob@example.com')).toBe('active');
    expect(w.ledger().map((row) => row.status).sort()).toEqual(['bounced', 'sent']);
    // SNS delivers at least once: the same message again changes nothing.
    expect((await w.postSns(body)).json()).toEqual({ stored: false, outcomes: [] });
    expect(reportCount(w)).toBe(1);
  });

  it('a complaint signed with SignatureVersion 1 (SHA1withRSA) unsubscribes the reader', async () => {
    const w = await world();
    const complaint = {
      notificationType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'bob@example.com' }], timestamp: '2026-11-27T09:00:00.000Z', feedbackId: 'f1', complaintFeedbackType: 'abuse' },
      mail: { source: 'paperboy@paperboy.example.org', messageId: 'ses-id', headers: [{ name: 'Message-ID', value: w.messageIdOf('bob@example.com') }] },
    };
    const response = await w.postSns(w.notification(complaint, '1'));
    expect(response.statusCode, response.body).toBe(200);
    expect(status(w, 'bob@example.com')).toBe('unsubscribed');
  });

  it('answers a subscription confirmation by visiting its SubscribeURL', async () => {
    const w = await world();
    const confirmation = sign(
      {
        Type: 'SubscriptionConfirmation',
        MessageId: randomUUID(),
        Token: 'token-from-sns',
        TopicArn: TOPIC,
        Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
        SubscribeURL: `${w.certs.url}/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=token-from-sns`,
        Timestamp: new Date().toISOString(),
        SigningCertURL: w.certUrl,
      },
      w.identity.key,
      '2',
    );
    const response = await w.postSns(confirmation);
    expect(response.statusCode, response.body).toBe(200);
    expect(w.certs.requests.some((r) => r.query.get('Action') === 'ConfirmSubscription' && r.query.get('Token') === 'token-from-sns')).toBe(true);
  });

  it('refuses other topics, malformed bodies, and (with the production trust) certificates not on an SNS host', async () => {
    const w = await world();
    const otherTopic = w.notification(sesBounce('ada@example.com', w.messageIdOf('ada@example.com')));
    expect((await w.postSns({ ...otherTopic, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else' })).statusCode).toBe(403);
    expect((await w.postSns('not json', 'Notification')).statusCode).toBe(400);
    expect((await w.postSns({ Type: 'Notification' })).statusCode).toBe(400);
    expect(status(w, 'ada@example.com')).toBe('active');

    expect(isAmazonSnsUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem')).toBe(true);
    for (const url of [w.certUrl, 'http://sns.eu-west-1.amazonaws.com/x.pem', 'https://sns.eu-west-1.amazonaws.com.evil.example/x.pem', 'https://evil.example/sns.eu-west-1.amazonaws.com/x.pem']) {
      expect(isAmazonSnsUrl(url), url).toBe(false);
    }
  });

  it('is off unless SES_TOPIC_ARNS is set', async () => {
    const w = await digestWorld();
    expect((await w.app.inject({ method: 'POST', url: '/webhooks/ses', payload: '{}', headers: { 'content-type': 'text/plain' } })).statusCode).toBe(404);
  });
});

describe('POST /webhooks/postmark', () => {
  const auth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const bounce = (email: string, type = 'HardBounce', recordType = 'Bounce') => ({
    RecordType: recordType,
    MessageStream: 'outbound',
    ID: 4323372036,
    Type: type,
    TypeCode: type === 'SpamComplaint' ? 512 : 1,
    Name: type,
    Tag: '',
    MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
    Metadata: {},
    ServerID: 23,
    Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
    Email: email,
    From: 'paperboy@paperboy.example.org',
    BouncedAt: '2026-11-27T08:00:05.0000000Z',
    DumpAvailable: false,
    Inactive: type === 'HardBounce',
    CanActivate: true,
    Subject: 'Zebrafish',
    Content: '',
  });

  it('refuses a request without the right credentials, and changes nothing', async () => {
    const w = await world();
    const post = (authorization?: string) =>
      w.app.inject({ method: 'POST', url: '/webhooks/postmark', payload: bounce('ada@example.com'), headers: authorization ? { authorization } : {} });
    for (const response of [await post(), await post(auth('postmark', 'wrong-password-wrong-password')), await post('Bearer x')]) {
      expect(response.statusCode).toBe(401);
    }
    expect(status(w, 'ada@example.com')).toBe('active');
    expect(reportCount(w)).toBe(0);
  });

  it('a hard bounce suppresses, a spam complaint unsubscribes, a malformed body is a 400', async () => {
    const w = await world();
    const post = (payload: unknown) =>
      w.app.inject({ method: 'POST', url: '/webhooks/postmark', payload: payload as object, headers: { authorization: auth(POSTMARK.POSTMARK_WEBHOOK_USER, POSTMARK.POSTMARK_WEBHOOK_PASSWORD) } });
    const hard = await post(bounce('Ada@Example.com'));
    expect(hard.statusCode, hard.body).toBe(200);
    expect(status(w, 'ada@example.com')).toBe('bounced');
    const spam = await post({ ...bounce('bob@example.com', 'SpamComplaint', 'SpamComplaint'), ID: 99 });
    expect(spam.json()).toEqual({ stored: true, outcomes: ['suppressed'] });
    expect(status(w, 'bob@example.com')).toBe('unsubscribed');
    expect((await post({ RecordType: 'Bounce', Email: 'x' })).statusCode).toBe(400);
    expect((await post({ ...bounce('ada@example.com'), Content: 'x'.repeat(600 * 1024) })).statusCode).toBe(413);
    expect(reportCount(w)).toBe(2);
  });

  it('is off unless its credentials are set', async () => {
    const w = await digestWorld();
    expect((await w.app.inject({ method: 'POST', url: '/webhooks/postmark', payload: {} })).statusCode).toBe(404);
  });
});
