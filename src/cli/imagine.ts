// The `imagine` command line: one generation through the same pipeline the bot uses.
// stdout: one saved path per line, nothing else. stderr: progress (on a terminal) and, on failure,
// one line that says what happened and what to do. Exit codes: 0 ok, 1 generation failed, 2 usage/config.
import { loadConfig, ConfigError } from '../config/index.js';
import { explainError } from '../i18n/errorMessages.js';
import type { Locale } from '../i18n/locale.js';
import { ImagePipeline } from '../pipeline/imagePipeline.js';
import { parseCliArgs, UsageError, USAGE } from './args.js';
import { saveImages } from './outputFiles.js';
import { startElapsedTicker } from './ticker.js';

function terminalLocale(): Locale {
  const lang = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return lang.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

function fail(line: string, code: number): never {
  process.stderr.write(`imagine: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const locale = terminalLocale();
  let options;
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
  let prepared;
  try {
    const config = loadConfig({ require: ['relay'] });
    pipeline = new ImagePipeline(config);
    prepared = pipeline.prepare(options.request);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    fail(explainError(error, 'operator')[locale], 2);
  }

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stopTicker = startElapsedTicker(process.stderr, `${prepared.model.id} ${prepared.plan.effectiveSize}`);
  try {
    const result = await pipeline.generate(prepared, {
      signal: controller.signal,
      timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
    });
    stopTicker();
    const paths = await saveImages(result.images, {
      outDir: options.outDir,
      model: result.model,
      prompt: prepared.request.prompt,
    });
    for (const path of paths) process.stdout.write(`${path}\n`);
    for (const adjustment of result.adjustments) {
      process.stderr.write(`note: ${adjustment.field} ${adjustment.from} → ${adjustment.to}\n`);
    }
    if (result.qualityDropped) process.stderr.write('note: the relay rejected quality; generated with its default quality\n');
  } catch (error) {
    stopTicker();
    fail(explainError(error, 'operator')[locale], 1);
  } finally {
    await pipeline.close();
  }
}

main().catch((error: unknown) => fail(explainError(error, 'operator')[terminalLocale()], 1));
