// Edits one message from a stream of updates (queue positions, progress): strictly one edit at a
// time, and only the latest pending text is sent, so a fast-moving queue never piles up webhook
// edits behind a slow one (they share rate limits with the final delivery). stop() waits for the
// edit in flight, so whatever is sent next really is the last word.
import { log } from '../log.js';
import { describeDiscordError } from './discordErrors.js';

export class ReplyEditor {
  private next: string | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly edit: (content: string) => Promise<unknown>,
    /** Edits stop when this turns false (e.g. the interaction token is about to expire). */
    private readonly stillUseful: () => boolean = () => true,
  ) {}

  /** Shows `content` as soon as the edit before it is done (replacing any not sent yet). */
  set(content: string): void {
    if (this.stopped) return;
    this.next = content;
    this.inFlight ??= this.flush();
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  private async flush(): Promise<void> {
    while (this.next !== undefined && !this.stopped && this.stillUseful()) {
      const content = this.next;
      this.next = undefined;
      try {
        await this.edit(content);
      } catch (error) {
        // Described, not dumped: a Discord error holds the webhook URL with the interaction token.
        log.debug('status edit failed', describeDiscordError(error));
      }
    }
    this.inFlight = undefined;
  }

  /** No more edits; resolves once the one in flight (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.next = undefined;
    await this.inFlight;
  }
}
