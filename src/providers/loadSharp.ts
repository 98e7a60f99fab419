// sharp (libvips) is loaded on first use, not at start-up: importing it costs about 9 MiB of
// resident memory and a fifth of a second, and a bot whose images fit the upload limit as they are,
// with no streamed previews and no input images, may never need it. Every site that decodes or
// re-encodes pixels (delivery, previews, input images, an image variant the header reader does not
// know) goes through here.
import type sharpModule from 'sharp';

let loading: Promise<typeof sharpModule> | undefined;

export function loadSharp(): Promise<typeof sharpModule> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}
