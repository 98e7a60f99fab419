// The generation core's reporter for the terminal: an elapsed-time ticker on stderr while the relay
// works, a note per retry, the saved paths on stdout (one per line, nothing else), notes about what
// was changed, and one line on stderr when it ends without an image.
import { resolve } from 'node:path';
import { explainError } from '../i18n/errorMessages.js';
import type { Locale } from '../i18n/locale.js';
import type { GenerationReporter, Receipt, ToldEnding } from '../generation/index.js';
import type { RetryInfo } from '../providers/relayClient.js';
import type { GenerationResult } from '../providers/types.js';
import { saveImages } from './outputFiles.js';
import { startElapsedTicker } from './ticker.js';

export interface CliReporterOptions {
  /** What the ticker says it waits for (`gpt-image-2 1024x1024`). */
  label: string;
  outDir: string;
  prompt: string;
  locale: Locale;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export class CliReporter implements GenerationReporter {
  private stopTicker: () => void = () => {};
  private readonly out: NodeJS.WriteStream;
  private readonly err: NodeJS.WriteStream;

  constructor(private readonly options: CliReporterOptions) {
    this.out = options.stdout ?? process.stdout;
    this.err = options.stderr ?? process.stderr;
  }

  /** The terminal has no queue: a run starts at once. */
  queued(): void {}

  async started(): Promise<void> {
    this.stopTicker = startElapsedTicker(this.err, this.options.label);
  }

  retrying(info: RetryInfo): void {
    if (!this.err.isTTY) return;
    this.err.write(`\rnote: attempt ${info.attempt} failed (${info.error.kind}); ${info.reason === 'retry' ? 'retrying' : 'sending again'}\n`);
  }

  /** Partial images are for chat previews; the terminal shows the final file only. */
  preview(): void {}

  async finished(): Promise<void> {
    this.stopTicker();
    this.stopTicker = () => {};
  }

  async deliver(result: GenerationResult): Promise<Receipt> {
    const paths = await saveImages(result.images, { outDir: this.options.outDir, model: result.model, prompt: this.options.prompt });
    for (const path of paths) this.out.write(`${path}\n`);
    for (const adjustment of result.adjustments) this.err.write(`note: ${adjustment.field} ${adjustment.from} → ${adjustment.to}\n`);
    if (result.droppedParams?.length) {
      this.err.write(`note: the relay refused optional parameters; sent again without ${result.droppedParams.join(', ')}\n`);
    }
    return { messageId: paths[0] ?? '', channelId: resolve(this.options.outDir), via: 'file' };
  }

  async ended(ending: ToldEnding): Promise<void> {
    const error = ending.kind === 'not_started' ? new Error(`not started: ${ending.why}`) : ending.error;
    this.err.write(`imagine: ${explainError(error, 'operator')[this.options.locale].replace(/\s*\n\s*/g, ' ')}\n`);
  }
}
