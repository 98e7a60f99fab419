// The text posted to a server's log channel for each admin change and each blocked prompt, in both
// languages (the log channel's readers may use either; the caller picks or posts both).
import { galleryText } from '../i18n/galleryMessages.js';
import type { Localized } from '../i18n/locale.js';
import type { AuditEntry, GallerySettingChange, PromptSettingChange, StylePresetDetail } from './auditEvents.js';
import { POLICY_FIELD_LABELS, type FieldChange, type PolicyField, type PolicyValue } from './guildPolicy.js';
import { channelMention, code, roleMention, userMention } from './messages.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

function usd(amount: number): string {
  return `$${amount < 1 ? String(Math.round(amount * 1e4) / 1e4) : amount.toFixed(2)}`;
}

function quota(value: number | null | undefined): Localized {
  if (value === null || value === undefined) return both('unlimited', '不限');
  return both(`${value} images/day`, `每日 ${value} 张`);
}

/** One setting's value in words. */
export function describePolicyValue(field: PolicyField, value: PolicyValue): Localized {
  switch (field) {
    case 'allowedModels': {
      const list = value as string[];
      return list.length === 0 ? both('all models', '全部模型') : both(list.map(code).join(', '), list.map(code).join('、'));
    }
    case 'allowedChannels': {
      const list = value as string[];
      return list.length === 0
        ? both('all channels', '全部频道')
        : both(list.map(channelMention).join(', '), list.map(channelMention).join('、'));
    }
    case 'spoilerChannels': {
      const list = value as string[];
      return list.length === 0 ? both('none', '无') : both(list.map(channelMention).join(', '), list.map(channelMention).join('、'));
    }
    case 'dailyQuota':
      return quota(value as number | null);
    case 'cooldownSeconds': {
      const seconds = value as number;
      return seconds === 0 ? both('none', '无') : both(`${seconds}s`, `${seconds} 秒`);
    }
    case 'dailyBudgetUsd':
    case 'monthlyBudgetUsd':
      return value === null ? both('no budget', '无预算') : both(usd(value as number), usd(value as number));
    case 'logChannelId':
      return value === null ? both('none', '无') : both(channelMention(value as string), channelMention(value as string));
    default:
      return both(String(value), String(value));
  }
}

function describeChange(change: FieldChange): Localized {
  const label = POLICY_FIELD_LABELS[change.field];
  const from = describePolicyValue(change.field, change.from);
  const to = describePolicyValue(change.field, change.to);
  return both(`• ${label.en}: ${from.en} → ${to.en}`, `• ${label.zh}:${from.zh} → ${to.zh}`);
}

const GALLERY_SETTING_LABELS: Record<GallerySettingChange['field'], Localized> = {
  channelId: galleryText.settingChannel,
  nsfwChannelId: galleryText.settingNsfwChannel,
  shareByAnyone: galleryText.settingWhoShares,
};

/** A gallery setting's value in words (as /gallery settings show says it). */
export function describeGallerySetting(field: GallerySettingChange['field'], value: string | boolean | null): Localized {
  if (field === 'shareByAnyone') return value === true ? galleryText.whoAnyone : galleryText.whoRequester;
  return typeof value === 'string' ? both(channelMention(value), channelMention(value)) : galleryText.notSet;
}

/** "🖼️ @admin set **Gallery channel** to #gallery.", one line per setting changed. */
function describeGalleryChanges(actor: string, changes: readonly GallerySettingChange[]): Localized {
  const lines = changes.map((change) =>
    galleryText.logChange({ actor, setting: GALLERY_SETTING_LABELS[change.field], value: describeGallerySetting(change.field, change.to) }),
  );
  return both(lines.map((line) => line.en).join('\n'), lines.map((line) => line.zh).join('\n'));
}

const STYLE_PART_LABELS = {
  prefix: both('prefix', '前缀'),
  suffix: both('suffix', '后缀'),
  model: both('model', '模型'),
  size: both('size', '尺寸'),
} as const satisfies Record<string, Localized>;

/** A style preset in words: its prefix, suffix, model and size, those it has. */
function describeStyle(style: StylePresetDetail): Localized {
  const parts = (Object.keys(STYLE_PART_LABELS) as Array<keyof typeof STYLE_PART_LABELS>).filter((part) => style[part]);
  if (parts.length === 0) return both('nothing', '无内容');
  const say = (part: (typeof parts)[number], locale: 'en' | 'zh'): string => `${STYLE_PART_LABELS[part][locale]} ${code(style[part] as string)}`;
  return both(parts.map((part) => say(part, 'en')).join(', '), parts.map((part) => say(part, 'zh')).join(','));
}

const PROMPT_SETTING_LABELS: Record<PromptSettingChange['field'], Localized> = {
  enhanceDefault: both('Enhance prompts by default', '默认优化提示词'),
  translateForFlux: both('Translate to English for FLUX', '为 FLUX 翻译成英文'),
};

/** What an audit entry says, for the log channel or an admin's history view. */
export function describeAuditEntry(entry: AuditEntry): Localized {
  const actor = userMention(entry.actorId);
  switch (entry.action) {
    case 'policy.update': {
      const lines = entry.detail.changes.map(describeChange);
      return both(
        [`${actor} changed the image policy:`, ...lines.map((l) => l.en)].join('\n'),
        [`${actor} 修改了生图策略:`, ...lines.map((l) => l.zh)].join('\n'),
      );
    }
    case 'role_quota.set': {
      const { roleId, dailyQuota, previous } = entry.detail;
      const to = quota(dailyQuota);
      const was = previous === undefined ? both('', '') : both(` (was ${quota(previous).en})`, `(原为${quota(previous).zh})`);
      return both(
        `${actor} set the daily quota of ${roleMention(roleId)} to ${to.en}${was.en}.`,
        `${actor} 将 ${roleMention(roleId)} 的每日额度设为${to.zh}${was.zh}。`,
      );
    }
    case 'role_quota.clear': {
      const { roleId, previous } = entry.detail;
      return both(
        `${actor} removed the daily quota of ${roleMention(roleId)} (was ${quota(previous).en}); its members use the server's quota.`,
        `${actor} 移除了 ${roleMention(roleId)} 的每日额度(原为${quota(previous).zh});其成员改用服务器额度。`,
      );
    }
    case 'user.block': {
      const { userId, reason } = entry.detail;
      return both(
        `${actor} blocked ${userMention(userId)} from generating images${reason ? ` (reason: ${reason})` : ''}.`,
        `${actor} 禁止了 ${userMention(userId)} 生成图片${reason ? `(原因:${reason})` : ''}。`,
      );
    }
    case 'user.unblock':
      return both(
        `${actor} unblocked ${userMention(entry.detail.userId)}.`,
        `${actor} 解除了对 ${userMention(entry.detail.userId)} 的禁止。`,
      );
    case 'word.add':
      return entry.detail.kind === 'regex'
        ? both(`${actor} added a blocked pattern: ${code(entry.detail.entry)}`, `${actor} 添加了屏蔽正则:${code(entry.detail.entry)}`)
        : both(`${actor} added a blocked word: ${code(entry.detail.entry)}`, `${actor} 添加了屏蔽词:${code(entry.detail.entry)}`);
    case 'word.remove':
      return entry.detail.kind === 'regex'
        ? both(`${actor} removed a blocked pattern: ${code(entry.detail.entry)}`, `${actor} 删除了屏蔽正则:${code(entry.detail.entry)}`)
        : both(`${actor} removed a blocked word: ${code(entry.detail.entry)}`, `${actor} 删除了屏蔽词:${code(entry.detail.entry)}`);
    case 'gallery.update':
      return describeGalleryChanges(actor, entry.detail.changes);
    case 'style.add': {
      const style = describeStyle(entry.detail);
      return both(
        `${actor} added the style **${entry.detail.name}**: ${style.en}.`,
        `${actor} 添加了风格“**${entry.detail.name}**”:${style.zh}。`,
      );
    }
    case 'style.replace': {
      const style = describeStyle(entry.detail);
      const was = describeStyle(entry.detail.previous);
      return both(
        `${actor} changed the style **${entry.detail.name}**: ${style.en} (was ${was.en}).`,
        `${actor} 修改了风格“**${entry.detail.name}**”:${style.zh}(原为${was.zh})。`,
      );
    }
    case 'style.remove': {
      const style = describeStyle(entry.detail);
      return both(
        `${actor} removed the style **${entry.detail.name}** (${style.en}).`,
        `${actor} 删除了风格“**${entry.detail.name}**”(${style.zh})。`,
      );
    }
    case 'prompt_settings.update': {
      const lines = entry.detail.changes.map((change) => {
        const label = PROMPT_SETTING_LABELS[change.field];
        return both(`• ${label.en}: ${change.to ? 'on' : 'off'}`, `• ${label.zh}:${change.to ? '开启' : '关闭'}`);
      });
      return both(
        [`${actor} changed the prompt settings:`, ...lines.map((line) => line.en)].join('\n'),
        [`${actor} 修改了提示词设置:`, ...lines.map((line) => line.zh)].join('\n'),
      );
    }
  }
}

/** For the log channel when a prompt was refused for a blocked word (the user is never told which). */
export function describeBlockedPrompt(userId: string, entry: string, channelId?: string | null): Localized {
  const where = channelId ? both(` in ${channelMention(channelId)}`, `(${channelMention(channelId)})`) : both('', '');
  return both(
    `🚫 Refused a prompt by ${userMention(userId)}${where.en}: it matched the blocked entry ${code(entry)}.`,
    `🚫 已拒绝 ${userMention(userId)}${where.zh} 的提示词:命中屏蔽条目 ${code(entry)}。`,
  );
}
