// Every text the moderation layer produces, in English and Simplified Chinese. User-facing refusals
// say what happened and what to do; admin-facing problems say what to type instead.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

/** How many channels or models a refusal lists before "and N more". */
const LIST_LIMIT = 5;

function listEn(items: readonly string[]): string {
  const shown = items.slice(0, LIST_LIMIT);
  const more = items.length - shown.length;
  const head = shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}` : (shown[0] ?? '');
  return more > 0 ? `${shown.join(', ')} (and ${more} more)` : head;
}

function listZh(items: readonly string[]): string {
  const shown = items.slice(0, LIST_LIMIT);
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join('、')} 等 ${items.length} 个` : shown.join('、');
}

export const channelMention = (id: string): string => `<#${id}>`;
export const userMention = (id: string): string => `<@${id}>`;
export const roleMention = (id: string): string => `<@&${id}>`;
export const code = (text: string): string => `\`${text.replace(/`/g, 'ˋ')}\``;

export const moderationText = {
  userBlocked: both(
    'You are blocked from generating images on this server. If you think this is a mistake, ask a server moderator.',
    '你已被禁止在本服务器生成图片。如有疑问,请联系服务器管理员。',
  ),
  channelNotAllowed: (allowedChannelIds: readonly string[]) => {
    const channels = allowedChannelIds.map(channelMention);
    return both(
      `Image generation is not enabled in this channel. Please use it in ${listEn(channels)}.`,
      `此频道未开启生图功能。请到 ${listZh(channels)} 使用。`,
    );
  },
  modelNotAllowed: (model: string, allowedModels: readonly string[]) => {
    const models = allowedModels.map(code);
    return both(
      `The model ${code(model)} is not allowed on this server. Please choose ${listEn(models)}.`,
      `本服务器不允许使用模型 ${code(model)}。请改用 ${listZh(models)}。`,
    );
  },
  blockedWord: both(
    'Your prompt contains a word this server blocks, so nothing was generated and nothing was charged. Please rephrase it and try again.',
    '你的提示词包含本服务器屏蔽的词语,未生成图片,也未扣除任何额度。请修改提示词后重试。',
  ),

  // Problems with a blocked-word entry an admin tried to add.
  entryEmpty: both('The blocked word is empty.', '屏蔽词不能为空。'),
  entryTooLong: (max: number) =>
    both(`A blocked word may be at most ${max} characters long.`, `屏蔽词最多 ${max} 个字符。`),
  entryNoLetters: both(
    'That entry has no letters, digits or CJK characters once normalised, so it could never match. Enter a word, or a regular expression as /pattern/flags.',
    '该条目规范化后不含字母、数字或中日韩文字,无法匹配任何内容。请输入词语,或以 /pattern/flags 形式输入正则表达式。',
  ),
  entryTooShort: both(
    'A single Latin letter or digit would block almost every prompt; enter a longer word, or a regular expression as /pattern/flags.',
    '单个拉丁字母或数字几乎会屏蔽所有提示词;请输入更长的词语,或以 /pattern/flags 形式输入正则表达式。',
  ),
  regexTooLong: (max: number) =>
    both(`A regular expression may be at most ${max} characters long.`, `正则表达式最多 ${max} 个字符。`),
  regexFlags: (flags: string) =>
    both(
      `The regular expression flags "${flags}" are not allowed; use only i, m, s and u, each at most once.`,
      `不允许使用正则标志 "${flags}";只能使用 i、m、s、u,且每个最多一次。`,
    ),
  regexInvalid: (reason: string) =>
    both(`That is not a valid regular expression: ${reason}`, `正则表达式无效:${reason}`),
  regexRisky: both(
    'That regular expression repeats a group that itself repeats or has alternatives, such as (a+)+ or (a|b)*; it could freeze the bot on a long prompt. Rewrite it without the repeated group.',
    '该正则表达式对本身含有重复或分支的分组再次重复(如 (a+)+ 或 (a|b)*),遇到长提示词可能使机器人卡死。请改写,去掉被重复的分组。',
  ),
  regexWildcards: both(
    'That regular expression has more than one open-ended wildcard (such as .* or \\w+); together they could freeze the bot on a long prompt. Keep one, or bound the others, e.g. .{0,20}.',
    '该正则表达式含有多个无上限的通配(如 .* 或 \\w+),组合起来遇到长提示词可能使机器人卡死。请只保留一个,或为其余的设上限,例如 .{0,20}。',
  ),
  regexMatchesEmpty: both(
    'That regular expression matches an empty prompt, so it would block every prompt. Make it require at least one character.',
    '该正则表达式能匹配空字符串,会屏蔽所有提示词。请让它至少匹配一个字符。',
  ),
  tooManyEntries: (max: number) =>
    both(
      `This server already has ${max} blocked words, the most allowed. Remove some before adding more.`,
      `本服务器的屏蔽词已达上限 ${max} 个。请先删除一些再添加。`,
    ),

  // A role quota an admin tried to set.
  roleQuotaRange: (max: number) =>
    both(
      `A role's daily quota must be a whole number from 0 to ${max}, or none for unlimited.`,
      `角色每日额度必须是 0 到 ${max} 的整数,或不设(不限)。`,
    ),
};
