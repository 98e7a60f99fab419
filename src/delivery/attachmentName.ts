// File names for uploaded images. Names are chosen by the bot, but a caller may be tempted to build
// the prefix from the prompt: everything is reduced to ASCII letters, digits, `_` and `-` so no
// prompt text can produce a path (`../`), a hidden file, odd Unicode or an over-long name.
// `_` survives so Discord's `SPOILER_` prefix keeps working.
import type { FittedExtension } from './fitToUploadLimit.js';

const MAX_NAME_LENGTH = 64;
const FALLBACK_PREFIX = 'image';

export function attachmentName(prefix: string, index: number, extension: FittedExtension): string {
  // The extension is typed, but sanitise it too: it ends up in a multipart header.
  const ext = String(extension).toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 5) || 'bin';
  const number = Number.isSafeInteger(index) && index >= 0 ? index : 0;
  const suffix = `-${number}.${ext}`;
  const cleaned = String(prefix)
    .normalize('NFKD') // "é" → "e" + combining accent, "ｆ" (full-width) → "f"
    .replace(/[\u0300-\u036f]/g, '') // drop the combining accents
    .replace(/[^A-Za-z0-9_-]+/g, '-') // anything else (/, \, ., spaces, CJK, emoji) → "-"
    .replace(/-{2,}/g, '-')
    .slice(0, MAX_NAME_LENGTH - suffix.length)
    .replace(/^-+|-+$/g, '');
  return `${cleaned || FALLBACK_PREFIX}${suffix}`;
}
