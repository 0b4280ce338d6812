import { createVerify, X509Certificate } from 'node:crypto';
import { z } from 'zod';

/**
 * Verifies Amazon SNS messages (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
 * the signature over the canonical "Key\nValue\n" string of the fields for
 * the message's Type, with the certificate at SigningCertURL, which must be
 * served by SNS itself over https.
 */
export const snsMessage = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().min(1).max(300),
  Message: z.string().max(256 * 1024),
  Timestamp: z.string().max(100),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1).max(2000),
  SigningCertURL: z.string().max(1000),
  Subject: z.string().max(200).optional(),
  Token: z.string().max(1000).optional(),
  SubscribeURL: z.string().max(2000).optional(),
});

export type SnsMessage = z.infer<typeof snsMessage>;

/** Where SNS keeps its signing certificates and subscription links: https on an sns.<region>.amazonaws.com host. */
export function isAmazonSnsUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.hostname) && url.port === '';
}

/**
 * What the verifier trusts. Production uses the defaults; a test serves its
 * own certificate from a local server and says so here, in code, so no
 * setting can ever widen what a deployment trusts.
 */
export interface SnsTrust {
  isAllowedUrl: (url: string) => boolean;
  fetchText: (url: string) => Promise<string>;
}

const FETCH_TIMEOUT_MS = 10_000;
const MAX_CERT_BYTES = 64 * 1024;

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_CERT_BYTES) throw new Error(`${url} is larger than a certificate`);
  return text;
}

export const AMAZON_SNS: SnsTrust = { isAllowedUrl: isAmazonSnsUrl, fetchText };

const FIELDS: Record<SnsMessage['Type'], ReadonlyArray<keyof SnsMessage>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The string SNS signs: each present field of the type, in order, as "Name\nValue\n". */
export function canonicalString(message: SnsMessage): string {
  return FIELDS[message.Type].filter((name) => message[name] !== undefined).map((name) => `${name}\n${message[name]}\n`).join('');
}

export class SnsSignatureError extends Error {
  override name = 'SnsSignatureError';
}

/** Certificates kept per URL; SNS rotates them rarely, and a flood of messages should not mean a flood of fetches. */
const MAX_CACHED_CERTS = 20;

export class SnsVerifier {
  private readonly certificates = new Map<string, Promise<X509Certificate>>();

  constructor(private readonly trust: SnsTrust = AMAZON_SNS) {}

  /** Resolves when the message is genuinely from SNS; throws SnsSignatureError otherwise. */
  async verify(message: SnsMessage, now: Date = new Date()): Promise<void> {
    if (!this.trust.isAllowedUrl(message.SigningCertURL) || !new URL(message.SigningCertURL).pathname.endsWith('.pem')) {
      throw new SnsSignatureError('SigningCertURL is not an SNS certificate');
    }
    const certificate = await this.certificate(message.SigningCertURL);
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
      throw new SnsSignatureError('the signing certificate is not valid now');
    }
    const verify = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    verify.update(canonicalString(message), 'utf8');
    if (!verify.verify(certificate.publicKey, message.Signature, 'base64')) throw new SnsSignatureError('the signature does not match');
  }

  /** The link that confirms a subscription, when it is one SNS would send. */
  subscribeUrl(message: SnsMessage): string | null {
    return message.SubscribeURL && this.trust.isAllowedUrl(message.SubscribeURL) ? message.SubscribeURL : null;
  }

  /** Visits the confirmation link, as the subscription requires. */
  async confirm(url: string): Promise<void> {
    await this.trust.fetchText(url);
  }

  private certificate(url: string): Promise<X509Certificate> {
    let cached = this.certificates.get(url);
    if (!cached) {
      if (this.certificates.size >= MAX_CACHED_CERTS) this.certificates.delete(this.certificates.keys().next().value!);
      cached = this.trust.fetchText(url).then((pem) => new X509Certificate(pem));
      // A failed fetch is not kept: the next message tries again.
      cached.catch(() => this.certificates.delete(url));
      this.certificates.set(url, cached);
    }
    return cached.catch((err: unknown) => {
      throw new SnsSignatureError(`could not load the signing certificate: ${(err as Error).message}`);
    });
  }
}
