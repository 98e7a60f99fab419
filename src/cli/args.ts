// `npm run imagine -- --prompt TEXT [...]`: the options of CONTRACT.md, checked before anything is sent.
import { parseArgs } from 'node:util';
import type { ImageRequest } from '../providers/types.js';

export class UsageError extends Error {}

export interface CliOptions {
  request: Partial<ImageRequest> & { prompt: string };
  timeoutSeconds?: number;
  outDir: string;
  help: boolean;
}

export const USAGE = `Usage: npm run imagine -- --prompt TEXT [--model M] [--size WxH|W:H] [--quality Q] [--seed N]
                       [--safety-tolerance N] [--n N] [--format png|jpeg|webp] [--timeout SECONDS] [--out DIR]`;

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  const number = Number(value);
  if (number < min || number > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${number}`);
  return number;
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
        timeout: { type: 'string' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}. ${USAGE.split('\n')[0]}`);
  }
  if (values.help) return { request: { prompt: '' }, outDir: 'outputs', help: true };
  const prompt = values.prompt?.trim();
  if (!prompt) throw new UsageError('--prompt is required: npm run imagine -- --prompt "a red fox in snow"');
  const format = values.format?.toLowerCase();
  if (format !== undefined && !['png', 'jpeg', 'jpg', 'webp'].includes(format)) {
    throw new UsageError(`--format must be png, jpeg or webp, got "${values.format}"`);
  }
  return {
    request: {
      prompt,
      model: values.model?.trim() || undefined,
      size: values.size?.trim() || undefined,
      quality: values.quality?.trim() || undefined,
      seed: integer('seed', values.seed, 0, 2 ** 32 - 1),
      safetyTolerance: integer('safety-tolerance', values['safety-tolerance'], 0, 6),
      n: integer('n', values.n, 1, 10),
      outputFormat: format === undefined ? undefined : format === 'jpg' ? 'jpeg' : (format as 'png' | 'jpeg' | 'webp'),
    },
    timeoutSeconds: integer('timeout', values.timeout, 1, 3600),
    outDir: values.out ?? 'outputs',
    help: false,
  };
}
