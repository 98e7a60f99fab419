// What the fake's chat models say when a test does not say otherwise (RelayFakeOptions.chatReply).
// The answers are the fake's own, never shaped by the instructions a request carries: a fake that
// answered in the bot's requested format would prove nothing about the bot reading a real model's.
// - Images in the last user message: four prompts describing the first image, from what the fake
//   can see of it (size, shape, dominant colour, brightness), as a plain numbered list.
// - Otherwise: a rewrite of the user's text that keeps it whole inside (what a prompt rewriter does).
import sharp from 'sharp';
import { reject } from './fields.js';

export interface ImageLook {
  width: number;
  height: number;
  /** The nearest named colour to the dominant one. */
  colour: string;
  brightness: 'dark' | 'mid-toned' | 'bright';
}

/** Named colours and an RGB point each; the nearest one names a pixel colour. */
const PALETTE: ReadonlyArray<readonly [string, number, number, number]> = [
  ['red', 220, 40, 40],
  ['orange', 240, 140, 30],
  ['yellow', 240, 220, 40],
  ['green', 50, 170, 60],
  ['teal', 30, 150, 150],
  ['blue', 40, 80, 210],
  ['purple', 130, 60, 190],
  ['pink', 240, 130, 180],
  ['brown', 120, 75, 40],
  ['black', 15, 15, 15],
  ['white', 240, 240, 240],
  ['grey', 128, 128, 128],
];

function colourName(r: number, g: number, b: number): string {
  let best = PALETTE[0]!;
  let bestDistance = Infinity;
  for (const entry of PALETTE) {
    const distance = (entry[1] - r) ** 2 + (entry[2] - g) ** 2 + (entry[3] - b) ** 2;
    if (distance < bestDistance) [best, bestDistance] = [entry, distance];
  }
  return best[0];
}

/**
 * What the model "sees" in an image part. An image the fake cannot decode is OpenAI's 400 for an
 * unsupported image (`param` names the part).
 */
export async function lookAt(image: Buffer, param: string): Promise<ImageLook> {
  try {
    const picture = sharp(image);
    const [{ width, height }, { dominant }] = await Promise.all([picture.metadata(), picture.stats()]);
    // HSL lightness: a saturated red reads as mid-toned, not dark as luminance would have it.
    const lightness = (Math.max(dominant.r, dominant.g, dominant.b) + Math.min(dominant.r, dominant.g, dominant.b)) / 2;
    return {
      width: width ?? 0,
      height: height ?? 0,
      colour: colourName(dominant.r, dominant.g, dominant.b),
      brightness: lightness < 70 ? 'dark' : lightness > 185 ? 'bright' : 'mid-toned',
    };
  } catch {
    reject(param, 'You uploaded an unsupported image. Please make sure your image is valid.', 'invalid_image_format');
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Four different prompts for one image, as `1. …\n2. …\n3. …\n4. …`. */
export function describePrompts(look: ImageLook): string {
  const { width, height, colour, brightness } = look;
  const divisor = gcd(width, height) || 1;
  const ratio = `${width / divisor}:${height / divisor}`;
  const orientation = width === height ? 'square' : width > height ? 'landscape' : 'portrait';
  return [
    `A picture of ${width}x${height} pixels dominated by ${colour}, ${brightness} tones, even light`,
    `A ${orientation} composition in shades of ${colour}, soft gradients, calm mood`,
    `An abstract ${colour} colour field, aspect ratio ${ratio}, smooth texture, high detail`,
    `A minimalist ${colour} backdrop, studio photograph, ${brightness} lighting`,
  ]
    .map((prompt, index) => `${index + 1}. ${prompt}`)
    .join('\n');
}

/** A richer prompt that keeps the user's whole text inside it. */
export function rewritePrompt(text: string): string {
  return `A detailed, cinematic rendering of ${text.trim() || 'a quiet, empty scene'}, soft light, high detail`;
}
