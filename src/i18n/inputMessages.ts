// The texts of image input (edits, Remix, Vary) in English and Simplified Chinese.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

export const inputText = {
  fieldInputs: both('Input images', '输入图片'),
  joined: (p: { count: number }) => both(`${p.count} images joined side by side`, `${p.count} 张图片已并排拼接`),
  buttonVary: both('Vary', '变体'),
  commandRemix: both('Remix', '重绘'),
  remixTitle: both('Remix this image', '重绘这张图片'),
  remixPromptLabel: both('What to change or make from it', '要如何修改或重新创作'),
  remixPromptPlaceholder: both('e.g. the same scene at night, in watercolour', '例如:同一场景的夜景,水彩风格'),
  remixModelLabel: both('Model', '模型'),
  remixModelDescription: both('Models that take an input image', '可接受输入图片的模型'),
  remixNoImage: both(
    'This message has no image attachment to remix (PNG, JPEG, WebP or GIF).',
    '这条消息没有可重绘的图片附件(PNG、JPEG、WebP 或 GIF)。',
  ),
  noEditModel: both(
    'No model offered on this server takes an input image, so images cannot be edited here. Nothing was charged.',
    '本服务器提供的模型都不接受输入图片,因此无法在这里编辑图片。未产生任何费用。',
  ),
  sourceGone: both(
    'The message with the image is gone or out of the bot’s reach (deleted, or in a channel it cannot read). Nothing was charged.',
    '包含这张图片的消息已不存在或机器人无法读取(已删除,或在机器人无权读取的频道)。未产生任何费用。',
  ),
  uploadNotKept: both(
    'This result was made from an uploaded image that Discord does not keep, so it cannot be re-rolled. Run /imagine with the image again, or use Vary. Nothing was charged.',
    '这张结果来自一张上传的图片,Discord 不会保留它,因此无法重新生成。请带上图片重新运行 /imagine,或使用“变体”。未产生任何费用。',
  ),
} as const;

/** The result embed's list of inputs: one name per line, a join said as such; undefined for no inputs. */
export function describeInputs(inputs: ReadonlyArray<{ name: string; parts: number }> | undefined, locale: 'en' | 'zh'): string | undefined {
  if (!inputs?.length) return undefined;
  return inputs.map((input) => (input.parts > 1 ? `${input.name} (${inputText.joined({ count: input.parts })[locale]})` : input.name)).join('\n');
}
