// The `--batch FILE` format: one prompt per line, or JSON lines with per-line settings, mixed freely.
// Blank lines and lines starting with `#` are skipped. A JSON line:
//   {"prompt": "a red fox", "model": "flux-2-pro", "size": "16:9", "seed": 7, "image": "fox.png"}
// takes `prompt` (required), `model`, `size`, `quality`, `seed`, `safety_tolerance`, `n`, `format`
// (or `output_format`), `upsample` (true/false), `steps`, `guidance`, `style`, and `image` (a path or a
// list of paths, relative to the batch file). The command line's options are the defaults a line
// overrides. A bad line fails alone: the rest of the batch still runs.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { ImageRequest } from '../providers/types.js';
import { imageStyle, outputFormat, UsageError } from './args.js';
import type { DraftRequest } from '../catalog/request.js';

export interface BatchItem {
  /** 1-based line number in the file, for messages. */
  line: number;
  request: DraftRequest;
  imagePaths: string[];
  /** Why the line cannot run (its JSON or a value is invalid); it counts as a failure. */
  error?: string;
}

const lineSchema = z
  .object({
    prompt: z.string().trim().min(1, 'needs a non-empty "prompt"'),
    model: z.string().trim().min(1).optional(),
    size: z.string().trim().min(1).optional(),
    quality: z.string().trim().min(1).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    safety_tolerance: z.number().int().min(0).max(6).optional(),
    n: z.number().int().min(1).max(10).optional(),
    format: z.string().optional(),
    output_format: z.string().optional(),
    upsample: z.boolean().optional(),
    steps: z.number().int().min(1).optional(),
    guidance: z.number().positive().optional(),
    style: z.string().optional(),
    image: z.union([z.string().trim().min(1), z.array(z.string().trim().min(1)).max(16)]).optional(),
  })
  .strict();

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid line';
  const where = issue.path.length ? `"${issue.path.join('.')}"` : 'the line';
  return `${where}: ${issue.message}`;
}

/** Parses the batch file's text; `baseDir` resolves relative image paths (the file's folder). */
export function parseBatchFile(text: string, baseDir: string, defaults: { request: Partial<ImageRequest>; imagePaths: string[] }): BatchItem[] {
  const items: BatchItem[] = [];
  const toPath = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const line = index + 1;
    const base = { ...defaults.request };
    if (!trimmed.startsWith('{')) {
      items.push({ line, request: { ...base, prompt: trimmed }, imagePaths: defaults.imagePaths });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      items.push({ line, request: { ...base, prompt: trimmed }, imagePaths: [], error: 'not valid JSON' });
      return;
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success) {
      items.push({ line, request: { ...base, prompt: trimmed }, imagePaths: [], error: describeIssue(parsed.error) });
      return;
    }
    const value = parsed.data;
    let format: ImageRequest['outputFormat'];
    let style: string | undefined;
    try {
      format = outputFormat(value.format, '"format"') ?? outputFormat(value.output_format, '"output_format"');
      style = imageStyle(value.style, '"style"');
    } catch (error) {
      items.push({ line, request: { ...base, prompt: value.prompt }, imagePaths: [], error: (error as UsageError).message });
      return;
    }
    const images = value.image === undefined ? undefined : Array.isArray(value.image) ? value.image : [value.image];
    items.push({
      line,
      request: {
        ...base,
        prompt: value.prompt,
        ...defined({
          model: value.model,
          size: value.size,
          quality: value.quality,
          seed: value.seed,
          safetyTolerance: value.safety_tolerance,
          n: value.n,
          outputFormat: format,
          promptUpsampling: value.upsample,
          steps: value.steps,
          guidance: value.guidance,
          style,
        }),
      },
      imagePaths: images ? images.map(toPath) : defaults.imagePaths,
    });
  });
  return items;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
