import type { Db } from '../db/connection.js';
import type { DeliveryStatus } from '../digest/delivery.repository.js';
import type { SubscriberStatus } from '../subscriptions/subscriber.js';

export interface AdminSession {
  createdAt: string;
  expiresAt: string;
  ip: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
}

export interface SubscriberListEntry {
  id: number;
  email: string;
  status: SubscriberStatus;
  createdAt: string;
}

export interface DeliveryListEntry {
  id: number;
  subscriberId: number;
  email: string;
  digestKey: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  updatedAt: string;
  sentAt: string | null;
  /** 1 for a failed digest that is still the reader's latest: the only kind a retry may send (see `requeueFailed`). */
  retryable: 0 | 1;
}

export interface SuppressionEntry {
  subscriberId: number;
  email: string;
  reason: string | null;
  since: string;
}

/** `%` and `_` typed in a search box are letters, not wildcards. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const DELIVERY_COLUMNS = `d.id, d.subscriber_id AS subscriberId, s.email, d.digest_key AS digestKey, d.status, d.attempts,
  d.last_error AS lastError, d.updated_at AS updatedAt, d.sent_at AS sentAt,
  (d.status = 'failed' AND NOT EXISTS (SELECT 1 FROM deliveries later WHERE later.subscriber_id = d.subscriber_id AND later.id > d.id)) AS retryable`;

/** What the admin area stores itself (sessions, the audit log) and the lists it reads. */
export class AdminRepository {
  private readonly insertSession;
  private readonly sessionByHash;
  private readonly deleteSession;
  private readonly deleteExpired;
  private readonly insertAudit;
  private readonly auditPage;
  private readonly search;
  private readonly deliveriesOf;
  private readonly problems;
  private readonly suppressions;

  constructor(db: Db) {
    this.insertSession = db.prepare<[AdminSession & { hash: string }]>(
      'INSERT INTO admin_sessions (token_hash, created_at, expires_at, ip) VALUES (@hash, @createdAt, @expiresAt, @ip)',
    );
    this.sessionByHash = db.prepare<[string, string], AdminSession>(
      'SELECT created_at AS createdAt, expires_at AS expiresAt, ip FROM admin_sessions WHERE token_hash = ? AND expires_at > ?',
    );
    this.deleteSession = db.prepare<[string]>('DELETE FROM admin_sessions WHERE token_hash = ?');
    this.deleteExpired = db.prepare<[string]>('DELETE FROM admin_sessions WHERE expires_at <= ?');
    this.insertAudit = db.prepare<[Omit<AuditEntry, 'id'>]>(
      'INSERT INTO admin_audit (at, actor, action, target, detail) VALUES (@at, @actor, @action, @target, @detail)',
    );
    this.auditPage = db.prepare<[number], AuditEntry>('SELECT id, at, actor, action, target, detail FROM admin_audit ORDER BY id DESC LIMIT ?');
    this.search = db.prepare<[string, number], SubscriberListEntry>(`
      SELECT id, email, status, created_at AS createdAt FROM subscribers WHERE email LIKE ? ESCAPE '\\' ORDER BY email LIMIT ?`);
    this.deliveriesOf = db.prepare<[number, number], DeliveryListEntry>(`
      SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
      WHERE d.subscriber_id = ? ORDER BY d.planned_at DESC, d.id DESC LIMIT ?`);
    this.problems = db.prepare<[number], DeliveryListEntry>(`
      SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
      WHERE d.status IN ('failed', 'bounced') ORDER BY d.updated_at DESC, d.id DESC LIMIT ?`);
    // The reason is the relay's answer on the digest that bounced, the newest if there were several.
    this.suppressions = db.prepare<[number], SuppressionEntry>(`
      SELECT s.id AS subscriberId, s.email, s.updated_at AS since,
             (SELECT last_error FROM deliveries d WHERE d.subscriber_id = s.id AND d.status = 'bounced'
              ORDER BY d.updated_at DESC LIMIT 1) AS reason
      FROM subscribers s WHERE s.status = 'bounced' ORDER BY s.updated_at DESC, s.id DESC LIMIT ?`);
  }

  createSession(hash: string, session: AdminSession): void {
    this.deleteExpired.run(session.createdAt);
    this.insertSession.run({ hash, ...session });
  }

  findSession(hash: string, now: string): AdminSession | null {
    return this.sessionByHash.get(hash, now) ?? null;
  }

  deleteSessionByHash(hash: string): void {
    this.deleteSession.run(hash);
  }

  audit(entry: Omit<AuditEntry, 'id'>): void {
    this.insertAudit.run(entry);
  }

  auditLog(limit: number): AuditEntry[] {
    return this.auditPage.all(limit);
  }

  searchSubscribers(text: string, limit: number): SubscriberListEntry[] {
    return this.search.all(likePattern(text), limit);
  }

  deliveriesFor(subscriberId: number, limit: number): DeliveryListEntry[] {
    return this.deliveriesOf.all(subscriberId, limit);
  }

  failedAndBounced(limit: number): DeliveryListEntry[] {
    return this.problems.all(limit);
  }

  suppressionList(limit: number): SuppressionEntry[] {
    return this.suppressions.all(limit);
  }
}
