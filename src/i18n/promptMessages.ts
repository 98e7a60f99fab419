// The notes about how a typed prompt was read (Midjourney parameters, --no, shortcuts), in English
// and Simplified Chinese.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

export const promptText = {
  ignoredMidjourneyParameters: (p: { list: string }) =>
    both(
      `Midjourney-only parameters were left out (not sent): ${p.list}`,
      `以下为 Midjourney 专用参数,已从提示词中移除(未发送):${p.list}`,
    ),
  negativeAsClause: (p: { words: string }) =>
    both(
      `--no became a “without ${p.words}” clause in the prompt: this model has no negative prompt, so it may not be followed exactly`,
      `--no 已改为提示词中的“不要出现 ${p.words}”:该模型没有反向提示词,效果可能不完全符合`,
    ),
  shortcutsExpanded: (p: { list: string }) =>
    both(`your shortcuts were expanded: ${p.list}`, `已展开你的快捷参数:${p.list}`),
};
