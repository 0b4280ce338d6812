import type { FastifyInstance } from 'fastify';
import type { BounceService } from '../bounces/bounce.service.js';
import { ReportFormatError, type MailReport } from '../bounces/mail-report.js';
import { basicAuthMatches, parsePostmarkReport } from '../bounces/postmark-report.js';
import { parseSesNotification } from '../bounces/ses-report.js';
import { snsMessage, SnsSignatureError, type SnsVerifier } from '../bounces/sns-verifier.js';
import { UserError } from '../errors.js';

export interface WebhookRouteOptions {
  bounces: BounceService;
  postmark: { user: string; password: string } | null;
  ses: { topicArns: readonly string[]; verifier: SnsVerifier } | null;
}

/**
 * A provider's notification is a few kB; SNS caps its messages at 256 kB,
 * and Postmark's optional bounce dump fits well within this.
 */
export const WEBHOOK_BODY_LIMIT = 512 * 1024;

/**
 * Providers retry a notification that got a 429 or a 5xx, so a per-IP limit
 * loses no report; it only stops one address flooding the signature checks.
 */
const WEBHOOK_RATE_LIMIT = { max: 600, timeWindow: '1 minute' };

/**
 * Where relays report bounces and complaints. Each route is off unless its
 * settings are given, answers 4xx and changes nothing for anything it cannot
 * authenticate or read, and answers 200 once the report is stored (or was
 * stored before), so the provider stops retrying.
 */
export async function webhookRoutes(app: FastifyInstance, { bounces, postmark, ses }: WebhookRouteOptions): Promise<void> {
  // SNS posts JSON as text/plain; only these routes read it, and keep the exact text for the record.
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));
  const config = { rateLimit: WEBHOOK_RATE_LIMIT };
  const record = (report: MailReport) => {
    const result = bounces.record(report, new Date());
    return { stored: result.stored, outcomes: result.targets.map((t) => t.outcome) };
  };

  if (postmark) {
    app.post('/webhooks/postmark', { bodyLimit: WEBHOOK_BODY_LIMIT, config }, async (request, reply) => {
      if (!basicAuthMatches(request.headers.authorization, postmark)) {
        return reply.code(401).header('www-authenticate', 'Basic realm="paperboy webhooks"').send({ statusCode: 401, error: 'Unauthorized', message: 'Give the webhook user and password.' });
      }
      try {
        return record(parsePostmarkReport(request.body, JSON.stringify(request.body)));
      } catch (err) {
        if (err instanceof ReportFormatError) throw new UserError(err.message, 400);
        throw err;
      }
    });
  }

  if (ses) {
    app.post('/webhooks/ses', { bodyLimit: WEBHOOK_BODY_LIMIT, config }, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null);
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new UserError('The body is not an SNS message (not JSON).', 400);
      }
      const parsed = snsMessage.safeParse(json);
      if (!parsed.success) throw new UserError(`The body is not an SNS message: ${parsed.error.issues[0]?.path.join('.') || 'body'} is missing or wrong.`, 400);
      const message = parsed.data;
      const announced = request.headers['x-amz-sns-message-type'];
      if (announced !== undefined && announced !== message.Type) throw new UserError('x-amz-sns-message-type does not match the message.', 400);
      if (!ses.topicArns.includes(message.TopicArn)) throw new UserError('Notifications from this topic are not accepted here; add it to SES_TOPIC_ARNS.', 403);
      try {
        await ses.verifier.verify(message);
      } catch (err) {
        if (err instanceof SnsSignatureError) {
          request.log.warn({ topic: message.TopicArn, reason: err.message }, 'refused an SNS message whose signature did not verify');
          throw new UserError(`The SNS signature did not verify: ${err.message}.`, 403);
        }
        throw err;
      }

      if (message.Type === 'SubscriptionConfirmation') {
        const url = ses.verifier.subscribeUrl(message);
        if (!url) throw new UserError('The SubscribeURL is not an SNS address.', 400);
        try {
          await ses.verifier.confirm(url);
        } catch (err) {
          request.log.error({ err, topic: message.TopicArn }, 'could not confirm the SNS subscription');
          // SNS retries a delivery that failed, confirmation included.
          return reply.code(502).send({ statusCode: 502, error: 'Bad Gateway', message: 'Could not reach SNS to confirm the subscription.' });
        }
        request.log.info({ topic: message.TopicArn }, 'confirmed the SNS subscription for SES notifications');
        return { confirmed: true };
      }
      if (message.Type === 'UnsubscribeConfirmation') {
        request.log.warn({ topic: message.TopicArn }, 'SNS says this endpoint was unsubscribed from the topic: SES reports no longer arrive');
        return { stored: false, outcomes: [] };
      }
      let report;
      try {
        report = parseSesNotification(message.Message, message.MessageId, raw);
      } catch (err) {
        if (err instanceof ReportFormatError) throw new UserError(err.message, 400);
        throw err;
      }
      return report ? record(report) : { stored: false, outcomes: [] };
    });
  }
}
