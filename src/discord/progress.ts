// Keeps the deferred reply alive with elapsed time. Webhook edits share rate limits with the final
// delivery, so edits are spaced (5 s by default), strictly one at a time (ReplyEditor), skipped while
// one is still in flight, and stopped before delivery.
import { ReplyEditor } from './replyEditor.js';

export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private readonly editor: ReplyEditor;
  private readonly startedAt = Date.now();
  private extra = '';

  constructor(
    edit: (content: string) => Promise<unknown>,
    private readonly render: (seconds: number) => string,
    private readonly intervalMs = 5000,
    /** Progress edits stop when this turns false (e.g. the token is about to expire). */
    stillUseful: () => boolean = () => true,
  ) {
    this.editor = new ReplyEditor(edit, stillUseful);
  }

  /** Starts ticking; with `immediate`, shows the first line now instead of after one interval. */
  start(options: { immediate?: boolean } = {}): void {
    if (options.immediate) this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** A line shown under the progress (a retry, a failover), shown at the next tick. */
  note(extra: string): void {
    this.extra = extra;
  }

  private tick(): void {
    // Never queue edits behind a slow one: skip this tick while the last edit is in flight.
    if (this.editor.busy) return;
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    this.editor.set(this.extra ? `${this.render(seconds)}\n${this.extra}` : this.render(seconds));
  }

  /** Stops ticking and waits for an edit in flight, so the final delivery is the last edit. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.editor.stop();
  }
}
