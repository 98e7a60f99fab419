// The `imagine` command line: one generation (or edit, with --image) through the same pipeline the
// bot uses, or a batch of them (--batch FILE).
// stdout: one saved path per line, nothing else. stderr: progress and, on failure, one line that says
// what happened and what to do (a batch: a line per finished prompt and a summary).
// Exit codes: 0 ok, 1 a generation failed (any line of a batch), 2 usage/config/bad input file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadConfig, ConfigError } from '../config/index.js';
import { cliText } from '../i18n/cliMessages.js';
import { explainError } from '../i18n/errorMessages.js';
import type { Locale } from '../i18n/locale.js';
import { generateReported } from '../generation/index.js';
import { ImagePipeline, type PreparedGeneration } from '../pipeline/imagePipeline.js';
import { parseCliArgs, UsageError, USAGE, type CliOptions } from './args.js';
import { runBatch } from './batch.js';
import { parseBatchFile, type BatchItem } from './batchFile.js';
import { CliReporter } from './cliReporter.js';
import { prepareJob } from './prepareJob.js';

function terminalLocale(): Locale {
  const lang = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return lang.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

function fail(line: string, code: number): never {
  process.stderr.write(`imagine: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(code);
}

/** Ctrl-C or SIGTERM stops what is running (the relay may still bill what it received). */
function abortOnSignals(): AbortController {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return controller;
}

async function main(): Promise<void> {
  const locale = terminalLocale();
  let options: CliOptions;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) fail(error.message, 2);
    throw error;
  }
  if (options.help) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }

  let pipeline: ImagePipeline;
  try {
    pipeline = new ImagePipeline(loadConfig({ require: ['relay'] }));
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    fail(explainError(error, 'operator')[locale], 2);
  }
  try {
    if (options.batchFile) await batch(pipeline, options, locale);
    else await single(pipeline, options, locale);
  } finally {
    await pipeline.close();
  }
}

async function single(pipeline: ImagePipeline, options: CliOptions, locale: Locale): Promise<void> {
  let prepared: PreparedGeneration;
  try {
    prepared = await prepareJob(pipeline, options);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    fail(explainError(error, 'operator')[locale], 2);
  }
  const controller = abortOnSignals();
  const edit = prepared.request.inputImages?.length ? ' edit' : '';
  const reporter = new CliReporter({ label: `${prepared.model.id} ${prepared.plan.effectiveSize}${edit}`, outDir: options.outDir, prompt: prepared.request.prompt, locale });
  await reporter.started();
  try {
    const result = await generateReported(pipeline, { prepared }, reporter, {
      signal: controller.signal,
      timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
    });
    await reporter.finished();
    await reporter.deliver(result);
  } catch (error) {
    await reporter.finished();
    await reporter.ended({ kind: 'failed', error });
    process.exit(1);
  }
}

async function batch(pipeline: ImagePipeline, options: CliOptions, locale: Locale): Promise<void> {
  const file = resolve(options.batchFile as string);
  let items: BatchItem[];
  try {
    items = parseBatchFile(await readFile(file, 'utf8'), dirname(file), { request: options.request, imagePaths: options.imagePaths.map((path) => resolve(path)) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    fail(cliText.batchFileUnreadable({ file, code })[locale], 2);
  }
  if (items.length === 0) fail(cliText.batchFileEmpty({ file })[locale], 2);
  const controller = abortOnSignals();
  const summary = await runBatch({
    pipeline,
    items,
    concurrency: options.concurrency,
    outDir: options.outDir,
    timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
    signal: controller.signal,
    locale,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  if (summary.failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => fail(explainError(error, 'operator')[terminalLocale()], 1));
