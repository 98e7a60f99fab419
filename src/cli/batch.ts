// `--batch FILE`: the lines run through the shared pipeline, `concurrency` at a time. Each result is
// saved (URL results are downloaded by the pipeline the moment the relay answers, well inside their
// 10 minutes) and its paths printed on stdout as it finishes; stderr gets one progress line per
// finished line and a summary at the end. A failed line never stops the others.
import { ConfigError } from '../config/errors.js';
import { cliText } from '../i18n/cliMessages.js';
import { explainError } from '../i18n/errorMessages.js';
import type { Locale } from '../i18n/locale.js';
import type { ImagePipeline } from '../pipeline/imagePipeline.js';
import { isImagineError } from '../providers/errors.js';
import type { BatchItem } from './batchFile.js';
import { saveImages } from './outputFiles.js';
import { prepareJob } from './prepareJob.js';

export interface BatchOptions {
  pipeline: ImagePipeline;
  items: readonly BatchItem[];
  concurrency: number;
  outDir: string;
  timeoutMs?: number;
  signal: AbortSignal;
  locale: Locale;
  /** A line on stdout (a saved path). */
  out(line: string): void;
  /** A line on stderr (progress, summary). */
  err(line: string): void;
  now?: () => number;
}

export interface BatchSummary {
  succeeded: number;
  failed: number;
  /** Failures by class (the error kinds of RELAYS.md, `invalid_input` for bad lines). */
  failures: Record<string, number>;
  elapsedMs: number;
  /** Estimated USD of the images delivered. */
  cost: number;
  /** Failures that may still have been billed (timeouts, cut connections). */
  possiblyBilled: number;
}

/** The class a failure is counted under in the summary. */
function failureClass(error: unknown): string {
  if (isImagineError(error)) return error.kind;
  return error instanceof ConfigError ? 'config' : 'internal';
}

export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const { items, locale } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const summary: BatchSummary = { succeeded: 0, failed: 0, failures: {}, elapsedMs: 0, cost: 0, possiblyBilled: 0 };
  const total = items.length;
  const progress = (): string => `[${summary.succeeded + summary.failed}/${total}]`;
  const lineLabel = (item: BatchItem): string => cliText.line({ line: item.line })[locale];

  const fail = (item: BatchItem, kind: string, message: string): void => {
    summary.failed++;
    summary.failures[kind] = (summary.failures[kind] ?? 0) + 1;
    options.err(`${progress()} ✗ ${lineLabel(item)} ${kind}: ${message.replace(/\s*\n\s*/g, ' ')}`);
  };

  const runItem = async (item: BatchItem): Promise<void> => {
    if (item.error) {
      fail(item, 'invalid_input', cliText.lineInvalid({ error: item.error })[locale]);
      return;
    }
    if (options.signal.aborted) {
      fail(item, 'cancelled', cliText.cancelled[locale]);
      return;
    }
    const itemStarted = now();
    try {
      const prepared = await prepareJob(options.pipeline, item);
      const result = await options.pipeline.generate(prepared, { signal: options.signal, timeoutMs: options.timeoutMs });
      const paths = await saveImages(result.images, { outDir: options.outDir, model: result.model, prompt: prepared.request.prompt });
      for (const path of paths) options.out(path);
      summary.succeeded++;
      summary.cost += result.estimatedCost;
      const seconds = ((now() - itemStarted) / 1000).toFixed(1);
      options.err(`${progress()} ✓ ${lineLabel(item)} ${result.model} ${result.effectiveSize}, ${cliText.imagesSaved({ count: paths.length, seconds })[locale]}`);
    } catch (error) {
      if (isImagineError(error) && error.possiblyBilled) summary.possiblyBilled++;
      fail(item, failureClass(error), explainError(error, 'operator')[locale]);
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < total; index = next++) await runItem(items[index] as BatchItem);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, total)) }, worker));
  summary.elapsedMs = now() - started;
  options.err(describeSummary(summary, locale));
  return summary;
}

export function describeSummary(summary: BatchSummary, locale: Locale): string {
  const classes = Object.entries(summary.failures)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind} ${count}`);
  return cliText.batchSummary({
    succeeded: summary.succeeded,
    failed: summary.failed,
    classes,
    seconds: (summary.elapsedMs / 1000).toFixed(1),
    cost: `$${summary.cost.toFixed(3)}`,
    possiblyBilled: summary.possiblyBilled,
  })[locale];
}
