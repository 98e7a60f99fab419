// Input images from the local disk (`--image PATH`, a batch line's `image`): read with the same cap
// as Discord attachments, so a wrong path or a huge file is refused with a clear line before anything
// is sent. The checks on the bytes themselves happen in the shared pipeline (inputImages.ts).
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { InvalidInputError } from '../catalog/failure.js';
import { MAX_INPUT_BYTES, tooLargeRefusal, type RawInput } from '../pipeline/inputImages.js';

export async function readInputFile(path: string): Promise<RawInput> {
  const name = basename(path);
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') throw new InvalidInputError('image_file_missing', { path });
    throw new InvalidInputError('image_file_unreadable', { path, ...(errno === undefined ? {} : { errno }) });
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) {
      throw new InvalidInputError('image_not_a_file', { path });
    }
    // Checked before reading, so a multi-GiB file is never loaded.
    if (stat.size > MAX_INPUT_BYTES) throw tooLargeRefusal(name);
    return { name, bytes: await file.readFile() };
  } finally {
    await file.close();
  }
}
