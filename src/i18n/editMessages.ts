// The texts of Edit and Upscale under a result, and of the menu that applies Vary / Upscale / Edit to
// image N of a result with several images, in English and Simplified Chinese.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

/** USD as people read a price: two decimals, a third only when it counts ($0.03, $0.015). */
export function formatUsd(amount: number): string {
  const cents = amount.toFixed(2);
  return Number(cents) === Number(amount.toFixed(3)) ? cents : amount.toFixed(3);
}

export const editText = {
  buttonEdit: both('Edit', '编辑'),
  buttonUpscale: both('Upscale', '放大'),
  /** A modal title holds 45 characters. */
  editTitle: (p: { image: number }) => both(`Edit image ${p.image}`, `编辑第 ${p.image} 张图片`),
  editLabel: both('What should change?', '要修改什么?'),
  editPlaceholder: both(
    'e.g. make it night and add a red umbrella (--ar 16:9, --seed 42 work too)',
    '例如:改成夜晚,加一把红伞(也可以用 --ar 16:9、--seed 42)',
  ),
  pickPlaceholder: (p: { from: number; to: number }) =>
    both(`Vary / Upscale / Edit image ${p.from}–${p.to}…`, `变体 / 放大 / 编辑第 ${p.from}–${p.to} 张…`),
  pickVary: (p: { image: number }) => both(`Vary image ${p.image}`, `变体:第 ${p.image} 张`),
  pickUpscale: (p: { image: number }) => both(`Upscale image ${p.image}`, `放大:第 ${p.image} 张`),
  pickEdit: (p: { image: number }) => both(`Edit image ${p.image}`, `编辑:第 ${p.image} 张`),
  upscaleQuote: (p: { image: number; from: string; to: string; model: string; cost: string }) =>
    both(
      `⬆️ Upscale image ${p.image} (${p.from}) to ${p.to} on ${p.model}: about $${p.cost}. Nothing is charged until you confirm.`,
      `⬆️ 将第 ${p.image} 张图片(${p.from})放大到 ${p.to},使用 ${p.model}:约 $${p.cost}。确认后才会计费。`,
    ),
  buttonConfirmUpscale: both('Upscale', '确认放大'),
  cannotUpscale: (p: { image: number; size: string }) =>
    both(
      `Image ${p.image} (${p.size}) is already as large as the models on this server can make it. Nothing was charged.`,
      `第 ${p.image} 张图片(${p.size})已经是本服务器的模型能生成的最大尺寸。未产生任何费用。`,
    ),
  sizeUnknown: (p: { image: number }) =>
    both(
      `The size of image ${p.image} is unknown, so it cannot be upscaled. Nothing was charged.`,
      `无法得知第 ${p.image} 张图片的尺寸,因此无法放大。未产生任何费用。`,
    ),
  imageMissing: (p: { image: number }) =>
    both(
      `This message has no image ${p.image} any more (it was removed or edited). Nothing was charged.`,
      `这条消息里已没有第 ${p.image} 张图片(已被删除或修改)。未产生任何费用。`,
    ),
} as const;
