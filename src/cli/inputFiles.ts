// Input images from the local disk (`--image PATH`, a batch line's `image`): read with the same cap
// as Discord attachments, so a wrong path or a huge file is refused with a clear line before anything
// is sent. The checks on the bytes themselves happen in the shared pipeline (inputImages.ts).
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { IMAGE_PARAM } from '../providers/dialects/inputs.js';
import { InvalidInputError } from '../providers/errors.js';
import { MAX_INPUT_BYTES, tooLargeRefusal, type RawInput } from '../pipeline/inputImages.js';

export async function readInputFile(path: string): Promise<RawInput> {
  const name = basename(path);
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text =
      code === 'ENOENT'
        ? { en: `The image file "${path}" does not exist.`, zh: `图片文件 “${path}” 不存在。` }
        : { en: `The image file "${path}" cannot be read (${code ?? 'error'}).`, zh: `无法读取图片文件 “${path}”(${code ?? '错误'})。` };
    throw new InvalidInputError(text.en, { param: IMAGE_PARAM, text });
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) {
      const text = { en: `"${path}" is not a file.`, zh: `“${path}” 不是文件。` };
      throw new InvalidInputError(text.en, { param: IMAGE_PARAM, text });
    }
    // Checked before reading, so a multi-GiB file is never loaded.
    if (stat.size > MAX_INPUT_BYTES) throw tooLargeRefusal(name);
    return { name, bytes: await file.readFile() };
  } finally {
    await file.close();
  }
}
