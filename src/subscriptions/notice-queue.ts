import type { Logger } from '../logger.js';
import type { NoticeSender } from './notice-sender.js';

/**
 * Runs the notice sender: right after a request queues an email (without the
 * request waiting for it), on an interval in the server (so emails left by a
 * crash or waiting for a retry go out), and on demand in tests. At most one
 * pass runs at a time in a process.
 */
export class NoticeQueue {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sender: NoticeSender,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts a pass once the caller's synchronous work (and its transaction)
   * is done, so the sender never sees a row that could still roll back.
   */
  kick(): void {
    setImmediate(() => void this.run());
  }

  /** Sends every email due now, and waits for it. */
  async drain(): Promise<void> {
    await this.run();
  }

  /** Runs a pass now and every `intervalMs`. */
  start(intervalMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
    void this.run();
  }

  /** Stops claiming and waits for the email in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sender.stop();
    await this.running;
  }

  /** Never rejects: a failing pass is logged, and the next one starts over from the database. */
  private run(): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    if (this.running) {
      // Whatever was queued after the running pass last looked is picked up by one more.
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.sender.sendDue();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.logger.error({ err }, 'the email queue stopped early; its next pass picks up where it left off');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
