// Readable, safe output names: time, model, prompt slug. Prompts never reach the file system raw.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { GeneratedImage } from '../providers/types.js';

const EXTENSIONS: Record<GeneratedImage['mime'], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

export function promptSlug(prompt: string, maxLength = 40): string {
  const slug = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug || 'image';
}

function timestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** Writes the images and returns their absolute paths; never overwrites an existing file. */
export async function saveImages(
  images: GeneratedImage[],
  options: { outDir: string; model: string; prompt: string; now?: Date },
): Promise<string[]> {
  const dir = resolve(options.outDir);
  await mkdir(dir, { recursive: true });
  const base = `${timestamp(options.now ?? new Date())}-${promptSlug(options.model, 30)}-${promptSlug(options.prompt)}`;
  const paths: string[] = [];
  for (const [index, image] of images.entries()) {
    const suffix = images.length > 1 ? `-${index + 1}` : '';
    const path = await writeUnique(dir, `${base}${suffix}`, EXTENSIONS[image.mime], image.bytes);
    paths.push(path);
  }
  return paths;
}

async function writeUnique(dir: string, stem: string, extension: string, bytes: Buffer): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `${stem}${attempt ? `-${attempt + 1}` : ''}.${extension}`);
    try {
      await writeFile(path, bytes, { flag: 'wx' });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw error;
    }
  }
}
