// `npm run imagine -- --prompt TEXT [...]`: the options of CONTRACT.md, checked before anything is sent,
// plus `--image PATH` (repeatable) and `--mask PATH` for edits, `--batch FILE` with `--concurrency N`,
// and the model knobs `--format`, `--upsample`, `--steps`, `--guidance`, `--style` (the same as the
// parameters typed into a Discord prompt; which model takes which is the planner's business).
import { parseArgs } from 'node:util';
import { parseDecimal, parseOutputFormat, parseStyle, STYLES } from '../prompt/inlineParameters.js';
import type { ImageRequest } from '../providers/types.js';
import type { DraftRequest } from '../catalog/request.js';

export class UsageError extends Error {}

export interface CliOptions {
  /** The request, or for a batch the defaults every line starts from (its prompt is empty). */
  request: DraftRequest;
  /** Input images for an edit (for a batch: the default of lines that name none). */
  imagePaths: string[];
  maskPath?: string;
  /** One prompt per line, or JSON lines (see batchFile.ts). */
  batchFile?: string;
  /** Generations at once in a batch. */
  concurrency: number;
  timeoutSeconds?: number;
  outDir: string;
  help: boolean;
}

export const DEFAULT_CONCURRENCY = 2;

export const USAGE = `Usage: npm run imagine -- --prompt TEXT [--model M] [--size WxH|W:H] [--quality Q] [--seed N]
                       [--safety-tolerance N] [--n N] [--format png|jpeg|webp] [--timeout SECONDS] [--out DIR]
                       [--upsample] [--steps N] [--guidance X] [--style vivid|natural]
                       [--image PATH]... [--mask PATH]
       npm run imagine -- --batch FILE [--concurrency N] [same options, except --mask, as defaults for every line]

  --format F          png, jpeg or webp (alias --output-format)
  --upsample          let the model rewrite the prompt in more detail (FLUX prompt_upsampling; not FLUX.2 [klein])
  --steps N           flux-2-flex: inference steps, 1-50 (default 50)
  --guidance X        flux-2-flex: how closely to follow the prompt, 1.5-10 (default 4.5)
  --style S           dall-e-3: vivid (default) or natural
Options the chosen model does not have are left out (a single run notes them on stderr).`;

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  const number = Number(value);
  if (number < min || number > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${number}`);
  return number;
}

/** `--format`: png, jpeg (or jpg), webp. Shared with batch lines. */
export function outputFormat(value: string | undefined, where = '--format'): ImageRequest['outputFormat'] {
  if (value === undefined || value.trim() === '') return undefined;
  const format = parseOutputFormat(value);
  if (!format) throw new UsageError(`${where} must be png, jpeg or webp, got "${value}"`);
  return format;
}

/** `--style`: dall-e-3's vivid or natural. Shared with batch lines. */
export function imageStyle(value: string | undefined, where = '--style'): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const style = parseStyle(value);
  if (!style) throw new UsageError(`${where} must be ${STYLES.join(' or ')} (dall-e-3's styles), got "${value}"`);
  return style;
}

/** `--guidance`: a positive decimal such as 4.5; the model's range is checked with the model. */
function decimal(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = parseDecimal(value);
  if (number === undefined || number <= 0) throw new UsageError(`--${name} must be a positive number such as 4.5, got "${value}"`);
  return number;
}

/** `--format` and its alias `--output-format`: the same value if both are given. */
function formatOption(format: string | undefined, alias: string | undefined): ImageRequest['outputFormat'] {
  const fromFormat = outputFormat(format);
  const fromAlias = outputFormat(alias, '--output-format');
  if (fromFormat && fromAlias && fromFormat !== fromAlias) throw new UsageError(`--format ${format} and --output-format ${alias} disagree: give one`);
  return fromFormat ?? fromAlias;
}

export function parseCliArgs(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        prompt: { type: 'string', short: 'p' },
        model: { type: 'string', short: 'm' },
        size: { type: 'string', short: 's' },
        quality: { type: 'string', short: 'q' },
        seed: { type: 'string' },
        'safety-tolerance': { type: 'string' },
        n: { type: 'string' },
        format: { type: 'string' },
        'output-format': { type: 'string' },
        upsample: { type: 'boolean' },
        steps: { type: 'string' },
        guidance: { type: 'string' },
        style: { type: 'string' },
        timeout: { type: 'string' },
        out: { type: 'string', short: 'o' },
        image: { type: 'string', short: 'i', multiple: true },
        mask: { type: 'string' },
        batch: { type: 'string', short: 'b' },
        concurrency: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}. ${USAGE.split('\n')[0]}`);
  }
  const defaults = { imagePaths: [], concurrency: DEFAULT_CONCURRENCY, outDir: 'outputs' };
  if (values.help) return { ...defaults, request: { prompt: '' }, help: true };
  const prompt = values.prompt?.trim();
  const batchFile = values.batch?.trim() || undefined;
  if (batchFile && prompt) throw new UsageError('--prompt and --batch do not go together: put the prompts in the batch file, one per line');
  if (!prompt && !batchFile) throw new UsageError('--prompt is required (or --batch FILE): npm run imagine -- --prompt "a red fox in snow"');
  const imagePaths = (values.image ?? []).map((path) => path.trim()).filter(Boolean);
  const maskPath = values.mask?.trim() || undefined;
  if (maskPath && batchFile) throw new UsageError('--mask does not go with --batch: run each masked edit on its own with --prompt, --image and --mask');
  if (maskPath && imagePaths.length === 0) throw new UsageError('--mask needs --image: the mask marks where that image may change');
  return {
    request: {
      prompt: prompt ?? '',
      model: values.model?.trim() || undefined,
      size: values.size?.trim() || undefined,
      quality: values.quality?.trim() || undefined,
      seed: integer('seed', values.seed, 0, 2 ** 32 - 1),
      safetyTolerance: integer('safety-tolerance', values['safety-tolerance'], 0, 6),
      n: integer('n', values.n, 1, 10),
      outputFormat: formatOption(values.format, values['output-format']),
      promptUpsampling: values.upsample ? true : undefined,
      steps: integer('steps', values.steps, 1, 10_000),
      guidance: decimal('guidance', values.guidance),
      style: imageStyle(values.style),
    },
    imagePaths,
    ...(maskPath ? { maskPath } : {}),
    ...(batchFile ? { batchFile } : {}),
    concurrency: integer('concurrency', values.concurrency, 1, 16) ?? DEFAULT_CONCURRENCY,
    timeoutSeconds: integer('timeout', values.timeout, 1, 3600),
    outDir: values.out ?? 'outputs',
    help: false,
  };
}
