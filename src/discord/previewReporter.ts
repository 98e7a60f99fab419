// Shows the partial images of a streamed generation in the deferred reply while it runs. Previews
// are a nicety on top of the result, so everything here is cheap and harmless: each one is shrunk
// to a small WebP (a full-size PNG per preview would cost upload time the result needs), edits are
// spaced (webhook edits share rate limits with the final delivery), strictly one at a time, and only
// the latest preview waiting is sent. Failures are logged and forgotten. stop() waits for the edit in
// flight, so the final delivery, which replaces the attachments, is always the last word.
import { AttachmentBuilder } from 'discord.js';
import { log } from '../log.js';
import type { PartialImage } from '../providers/imageEvents.js';
import { loadSharp } from '../providers/loadSharp.js';
import { describeDiscordError } from './discordErrors.js';

/** Longest side of a preview: enough to judge the picture in a Discord embed, small to upload. */
export const PREVIEW_MAX_SIDE = 512;
/** At most one preview edit this often (progress edits come every 5 s besides). */
export const PREVIEW_MIN_INTERVAL_MS = 3_000;
/** A partial image larger than this is not decoded for a preview (a relay gone wrong). */
const MAX_PREVIEW_INPUT_PIXELS = 40_000_000;

export interface PreviewFrame {
  /** 1-based, as users count. */
  number: number;
  /** Previews asked for; 0 when unknown. */
  total: number;
  /** The downscaled image. */
  file: Buffer;
  /** The attachment name (`SPOILER_`-prefixed where the channel wants spoilers). */
  name: string;
}

export interface PreviewReporterOptions {
  minIntervalMs?: number;
  maxSide?: number;
  /** Edits stop when this turns false (e.g. the interaction token is about to expire). */
  stillUseful?: () => boolean;
  spoiler?: boolean;
  now?: () => number;
}

/** A partial image shrunk to at most `maxSide` pixels a side, as a small WebP. */
export async function downscalePreview(bytes: Buffer, maxSide = PREVIEW_MAX_SIDE): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(bytes, { limitInputPixels: MAX_PREVIEW_INPUT_PIXELS })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 60, effort: 2 })
    .toBuffer();
}

/** A frame as a Discord attachment. */
export function previewAttachment(frame: PreviewFrame): AttachmentBuilder {
  return new AttachmentBuilder(frame.file, { name: frame.name });
}

export class PreviewReporter {
  private pending: PartialImage | undefined;
  /** Whether the loop that shows previews runs; `running` is its promise (stop() awaits it). */
  private active = false;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastShownAt = Number.NEGATIVE_INFINITY;
  private wake: (() => void) | undefined;
  private shown: { number: number; total: number } | undefined;
  private readonly minIntervalMs: number;
  private readonly maxSide: number;
  private readonly stillUseful: () => boolean;
  private readonly now: () => number;

  constructor(
    private readonly show: (frame: PreviewFrame) => Promise<unknown>,
    private readonly options: PreviewReporterOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? PREVIEW_MIN_INTERVAL_MS;
    this.maxSide = options.maxSide ?? PREVIEW_MAX_SIDE;
    this.stillUseful = options.stillUseful ?? (() => true);
    this.now = options.now ?? Date.now;
  }

  /** The preview on screen (or being put there), for the progress line; undefined before the first. */
  get current(): { number: number; total: number } | undefined {
    return this.shown;
  }

  /** Takes a partial image from the relay; it replaces any not shown yet. Never throws. */
  offer(partial: PartialImage): void {
    if (this.stopped) return;
    this.pending = partial;
    if (this.active) return; // the loop takes it (latest wins)
    this.active = true;
    this.running = this.run();
  }

  /** No more previews; resolves once the edit in flight (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = undefined;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.pending !== undefined && !this.stopped && this.stillUseful()) {
        const wait = this.lastShownAt + this.minIntervalMs - this.now();
        if (wait > 0) await this.sleep(wait);
        const partial = this.pending;
        this.pending = undefined;
        if (partial === undefined || this.stopped) break;
        await this.present(partial);
      }
    } finally {
      // Cleared in the same synchronous step as the loop's last look at `pending`: an offer() after
      // it starts a new loop, and none can slip in between and be left waiting.
      this.active = false;
    }
  }

  private async present(partial: PartialImage): Promise<void> {
    const before = this.shown;
    try {
      const file = await downscalePreview(partial.bytes, this.maxSide);
      if (this.stopped) return;
      const frame: PreviewFrame = {
        number: partial.index + 1,
        total: partial.total,
        file,
        name: `${this.options.spoiler ? 'SPOILER_' : ''}preview.webp`,
      };
      this.shown = { number: frame.number, total: frame.total };
      this.lastShownAt = this.now();
      await this.show(frame);
    } catch (error) {
      this.shown = before;
      // Described, not dumped: a Discord error holds the webhook URL with the interaction token.
      log.debug('preview not shown', { ...describeDiscordError(error), index: partial.index });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }
}
