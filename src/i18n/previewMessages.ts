// The line shown under the progress while a streamed generation sends previews.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

export const previewText = {
  /** `number` counts from 1; `total` is how many previews were asked for (0 when unknown). */
  preview: (p: { number: number; total: number }) =>
    p.total > 0
      ? both(`🖼️ Preview ${p.number}/${p.total}… (the final image follows)`, `🖼️ 预览 ${p.number}/${p.total}…(最终图片稍后送达)`)
      : both(`🖼️ Preview ${p.number}… (the final image follows)`, `🖼️ 预览 ${p.number}…(最终图片稍后送达)`),
} as const;
