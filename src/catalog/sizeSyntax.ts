// What a person may type as a size: `1024x1536` (also `1024*1536`, `1024×1536`, `1024 X 1536`),
// an aspect ratio `16:9` (also `16/9`, a full-width `16：9`, decimals such as `2.39:1`), or `auto`.
// A slash is read as a ratio because no one writes pixel sizes with one, so it is unambiguous.

export type ParsedSize =
  | { kind: 'auto' }
  | { kind: 'pixels'; width: number; height: number }
  | { kind: 'ratio'; w: number; h: number; /** As typed, normalised: `16:9`. */ text: string };

const PIXELS = /^(\d{1,6})[x×*](\d{1,6})$/;
const RATIO = /^(\d{1,4}(?:\.\d{1,3})?)[:/](\d{1,4}(?:\.\d{1,3})?)$/;

/** The size a text names, or undefined when it names none. Zero sides parse; mapping refuses them. */
export function parseSize(text: string): ParsedSize | undefined {
  const compact = text
    .normalize('NFKC') // full-width digits, `：`, `／`, `＊` become ASCII
    .toLowerCase()
    .replace(/\s+/g, '');
  if (compact === 'auto') return { kind: 'auto' };
  const pixels = PIXELS.exec(compact);
  if (pixels) return { kind: 'pixels', width: Number(pixels[1]), height: Number(pixels[2]) };
  const ratio = RATIO.exec(compact);
  if (ratio) {
    const w = Number(ratio[1]);
    const h = Number(ratio[2]);
    return { kind: 'ratio', w, h, text: `${w}:${h}` };
  }
  return undefined;
}

export function formatPixels(width: number, height: number): string {
  return `${width}x${height}`;
}
