// Colours of test images: the fakes paint gradients and answer an edit with its input inverted, so
// a colour at a point tells which image went where. (e2e.imageInput and editPipeline keep their own
// copies of these two from before this file.)
import sharp from 'sharp';
import { expect } from 'vitest';

export type Rgb = [number, number, number];

/** The colour at (x, y) as fractions of the width and height. */
export async function colourAt(bytes: Buffer, fx: number, fy: number): Promise<Rgb> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const x = Math.min(info.width - 1, Math.floor(info.width * fx));
  const y = Math.min(info.height - 1, Math.floor(info.height * fy));
  const offset = (y * info.width + x) * info.channels;
  return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
}

/** Each channel within `tolerance` (re-encoding, resizing and JPEG move colours a little). */
export function expectNear(actual: Rgb, expected: Rgb, tolerance = 32): void {
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
}

export const inverse = (rgb: Rgb): Rgb => rgb.map((value) => 255 - value) as Rgb;
