// Keeps the deferred reply alive with elapsed time. Webhook edits share rate limits with the final
// delivery, so edits are spaced (5 s by default), strictly one at a time, and stop before delivery.
import { log } from '../log.js';
import { describeDiscordError } from './discordErrors.js';

export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private editing = false;
  private readonly startedAt = Date.now();
  private extra = '';

  constructor(
    private readonly edit: (content: string) => Promise<unknown>,
    private readonly render: (seconds: number) => string,
    private readonly intervalMs = 5000,
    /** Progress edits stop when this turns false (e.g. the token is about to expire). */
    private readonly stillUseful: () => boolean = () => true,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** A line shown under the progress (a retry, a failover), shown at the next tick. */
  note(extra: string): void {
    this.extra = extra;
  }

  private tick(): void {
    // Never queue edits behind a slow one: skip this tick while the last edit is in flight.
    if (this.stopped || this.editing || !this.stillUseful()) return;
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    const content = this.extra ? `${this.render(seconds)}\n${this.extra}` : this.render(seconds);
    this.editing = true;
    this.pending = this.edit(content)
      // Described, not dumped: a Discord error holds the webhook URL with the interaction token.
      .catch((error: unknown) => log.debug('progress edit failed', describeDiscordError(error)))
      .finally(() => (this.editing = false));
  }

  /** Stops ticking and waits for an edit in flight, so the final delivery is the last edit. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.pending;
  }
}
