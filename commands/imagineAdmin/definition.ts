// /imagine-admin as `as const` data: 15 top-level entries (subcommands and groups), 25 subcommands in
// all. The handlers' arguments are typed from it (AdminHandlers); the model choices, which depend on
// the configuration, are spread in at registration (adminDefinition).
// Hidden from members without Manage Server (default_member_permissions), guild-only (contexts);
// execute() checks the permission again, since server admins can override who sees a command.
import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { AppConfig } from '../../src/config/index.js';
import { USAGE_PERIOD_LABELS, type UsagePeriod } from '../../src/i18n/adminMessages.js';
import type { Localized } from '../../src/i18n/locale.js';
import {
  MAX_BUDGET_USD,
  MAX_COOLDOWN_SECONDS,
  MAX_DAILY_QUOTA,
  SAFETY_SCALE,
} from '../../src/moderation/guildPolicy.js';
import { MAX_REGEX_ENTRY_CHARS, MAX_WORD_ENTRY_CHARS } from '../../src/moderation/wordFilter.js';
import { MAX_BLOCK_REASON_CHARS } from '../../src/policy/index.js';
import { commandJSON, type SubcommandHandlers } from '../arguments.js';
import { describe } from '../localize.js';
import { group, sub } from '../options.js';
import type { AdminCall } from './common.js';

export const COMMAND_NAME = 'imagine-admin';
/** Discord's limit on choices per option; with more offered models the model option autocompletes. */
export const MAX_CHOICES = 25;
export const MAX_AUDIT_ENTRIES = 25;
export const DEFAULT_AUDIT_ENTRIES = 10;

const both = (en: string, zh: string): Localized => ({ en, zh });
const USAGE_PERIODS: readonly UsagePeriod[] = ['today', 'week', 'month', 'all'];

/** Where /imagine may run (threads count as their parent, so they are not offered). */
const IMAGINE_CHANNEL_TYPES = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildVoice,
  ChannelType.GuildStageVoice,
  ChannelType.GuildForum,
  ChannelType.GuildMedia,
];
/** Where the bot can post log messages. */
const LOG_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

const choice = <const V extends string>(value: V, text: Localized) => ({ name: text.en, name_localizations: { 'zh-CN': text.zh, 'zh-TW': text.zh }, value });

function channelOption(text: Localized, types: readonly ChannelType[]) {
  return { type: ApplicationCommandOptionType.Channel, name: 'channel', ...describe(text), required: true, channel_types: types } as const;
}

/** The model's choices (or autocomplete) depend on the configuration: modelField() adds them at registration. */
function modelOption(text: Localized) {
  return { type: ApplicationCommandOptionType.String, name: 'model', ...describe(text), required: true, max_length: 100 } as const;
}

function periodOption() {
  return {
    type: ApplicationCommandOptionType.String,
    name: 'period',
    ...describe(both('Which period (default: this month)', '时间段(默认:本月)')),
    choices: USAGE_PERIODS.map((period) => choice(period, USAGE_PERIOD_LABELS[period])),
  } as const;
}

function integer<const N extends string>(name: N, text: Localized, min: number, max: number) {
  return { type: ApplicationCommandOptionType.Integer, name, ...describe(text), required: false, min_value: min, max_value: max } as const;
}

function requiredInteger<const N extends string>(name: N, text: Localized, min: number, max: number) {
  return { ...integer(name, text, min, max), required: true } as const;
}

function usd<const N extends string>(name: N, text: Localized) {
  return { type: ApplicationCommandOptionType.Number, name, ...describe(text), min_value: 0, max_value: MAX_BUDGET_USD } as const;
}

function user(text: Localized) {
  return { type: ApplicationCommandOptionType.User, name: 'user', ...describe(text), required: true } as const;
}

function entry(text: Localized) {
  return {
    type: ApplicationCommandOptionType.String,
    name: 'entry',
    ...describe(text),
    required: true,
    max_length: Math.max(MAX_WORD_ENTRY_CHARS, MAX_REGEX_ENTRY_CHARS),
  } as const;
}

/** The options by the types and names the handlers read; `model` gets its choices in adminDefinition. */
export const AdminCommand = {
  name: COMMAND_NAME,
  name_localizations: { 'zh-CN': '画图管理', 'zh-TW': '畫圖管理' },
  ...describe(both('Server image policy: models, safety, words, channels, quotas, budgets, usage', '服务器生图策略:模型、安全、屏蔽词、频道、额度、预算、用量')),
  default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options: [
    sub('show', both('Show the current image policy of this server', '查看本服务器当前的生图策略')),
    group('models', both('Which models members may use', '成员可以使用哪些模型'), [
      sub('allow', both('Allow a model (the first one limits /imagine to the allowed models)', '允许某个模型(首次设置后仅允许列表中的模型)'), [
        modelOption(both('The model to allow', '要允许的模型')),
      ]),
      sub('disallow', both('Stop allowing a model', '禁止某个模型'), [modelOption(both('The model to disallow', '要禁止的模型'))]),
      sub('reset', both('Allow every model the bot offers again', '重新允许机器人提供的全部模型')),
    ]),
    group('safety', both('Safety tolerance in ordinary and age-restricted channels', '普通频道和年龄限制频道的安全容忍度'), [
      sub('set', both('Set the default and the maximum safety tolerance', '设置默认和最高安全容忍度'), [
        {
          type: ApplicationCommandOptionType.String,
          name: 'channel_kind',
          ...describe(both('Ordinary or age-restricted (NSFW) channels', '普通频道或年龄限制(NSFW)频道')),
          required: true,
          choices: [
            { name: 'normal', name_localizations: { 'zh-CN': '普通频道', 'zh-TW': '普通頻道' }, value: 'normal' },
            { name: 'nsfw', name_localizations: { 'zh-CN': '年龄限制频道', 'zh-TW': '年齡限制頻道' }, value: 'nsfw' },
          ],
        },
        integer('default', both('Used when the user asks for none (0 strictest)', '用户未指定时使用的值(0 最严格)'), SAFETY_SCALE.min, SAFETY_SCALE.max),
        integer('max', both('The loosest value a user may ask for (ordinary channels: at most 2)', '用户可请求的最宽松值(普通频道最多 2)'), SAFETY_SCALE.min, SAFETY_SCALE.max),
      ]),
    ]),
    group('words', both('Blocked words and patterns', '屏蔽词和正则'), [
      sub('add', both('Block a word, a phrase or a /regex/', '屏蔽一个词、短语或 /正则/'), [
        entry(both('Word or phrase (tricks such as c.a.t or full-width letters match too), or /pattern/flags', '词语或短语(c.a.t、全角字母等变体也会命中),或 /pattern/flags')),
      ]),
      sub('remove', both('Unblock a word or pattern', '删除一个屏蔽词或正则'), [entry(both('The word or pattern to remove', '要删除的屏蔽词或正则'))]),
      sub('list', both('List the blocked words and patterns', '列出屏蔽词和正则')),
    ]),
    group('channels', both('Channels where /imagine works', '可以使用 /imagine 的频道'), [
      sub('allow', both('Allow /imagine in a channel (the first one limits it to the allowed channels)', '允许在某频道使用 /imagine(首次设置后仅限列表中的频道)'), [
        channelOption(both('The channel (its threads count too)', '频道(其子区也算在内)'), IMAGINE_CHANNEL_TYPES),
      ]),
      sub('disallow', both('Remove a channel from the allowed channels', '从允许的频道中移除某频道'), [
        channelOption(both('The channel to remove', '要移除的频道'), IMAGINE_CHANNEL_TYPES),
      ]),
      sub('reset', both('Allow /imagine in every channel again', '重新允许在所有频道使用 /imagine')),
    ]),
    group('spoiler', both('Post results as spoilers by default in a channel', '某频道的结果默认以剧透形式发布'), [
      sub('on', both('Post results in this channel as spoilers', '该频道的结果以剧透形式发布'), [channelOption(both('The channel', '频道'), IMAGINE_CHANNEL_TYPES)]),
      sub('off', both('Post results in this channel normally', '该频道的结果正常发布'), [channelOption(both('The channel', '频道'), IMAGINE_CHANNEL_TYPES)]),
    ]),
    group('quota', both('Daily image quotas', '每日图片额度'), [
      sub('set', both('Images per user per day on this server', '本服务器每人每日图片数'), [
        integer('images', both('Images per day; leave empty for unlimited', '每日图片数;留空表示不限'), 0, MAX_DAILY_QUOTA),
      ]),
      sub('role', both("Give a role its own daily quota (the most generous of a member's roles wins)", '为角色设置专属每日额度(成员取其角色中最宽松者)'), [
        { type: ApplicationCommandOptionType.Role, name: 'role', ...describe(both('The role', '角色')), required: true },
        integer('images', both('Images per day; leave empty for unlimited', '每日图片数;留空表示不限'), 0, MAX_DAILY_QUOTA),
        {
          type: ApplicationCommandOptionType.Boolean,
          name: 'clear',
          ...describe(both("Remove the role's own quota (its members use the server's)", '移除该角色的专属额度(成员改用服务器额度)')),
        },
      ]),
    ]),
    group('cooldown', both('Time between two generations of a user', '用户两次生成之间的间隔'), [
      sub('set', both('Seconds a user waits between two generations (0 = none)', '用户两次生成之间需等待的秒数(0 表示不限)'), [
        requiredInteger('seconds', both('Seconds (0 to 86400)', '秒数(0 到 86400)'), 0, MAX_COOLDOWN_SECONDS),
      ]),
    ]),
    group('budget', both("The server's money budget (estimated USD)", '服务器的费用预算(估算美元)'), [
      sub('set', both('Set the daily and/or monthly budget in USD', '设置每日和/或每月预算(美元)'), [
        usd('daily', both('USD per day (UTC)', '每日美元上限(UTC)')),
        usd('monthly', both('USD per calendar month (UTC)', '每月美元上限(UTC)')),
      ]),
      sub('clear', both('Remove a budget', '取消预算'), [
        {
          type: ApplicationCommandOptionType.String,
          name: 'period',
          ...describe(both('Which budget to remove', '要取消的预算')),
          required: true,
          choices: [
            { name: 'daily', name_localizations: { 'zh-CN': '每日', 'zh-TW': '每日' }, value: 'daily' },
            { name: 'monthly', name_localizations: { 'zh-CN': '每月', 'zh-TW': '每月' }, value: 'monthly' },
            { name: 'both', name_localizations: { 'zh-CN': '全部', 'zh-TW': '全部' }, value: 'both' },
          ],
        },
      ]),
    ]),
    sub('block', both('Block a member from generating images here', '禁止某成员在本服务器生成图片'), [
      user(both('The member to block', '要禁止的成员')),
      {
        type: ApplicationCommandOptionType.String,
        name: 'reason',
        ...describe(both('Why (shown in the audit log)', '原因(记录在审计日志中)')),
        max_length: MAX_BLOCK_REASON_CHARS,
      },
    ]),
    sub('unblock', both('Let a blocked member generate images again', '解除对某成员的禁止'), [user(both('The member to unblock', '要解除禁止的成员'))]),
    group('logchannel', both('Where admin changes and warnings are posted', '管理变更和提醒发送到哪里'), [
      sub('set', both('Post admin changes, blocked prompts and budget warnings to a channel', '将管理变更、被拦截的提示词和预算提醒发到某频道'), [
        channelOption(both('The log channel', '日志频道'), LOG_CHANNEL_TYPES),
      ]),
      sub('clear', both('Stop posting to a log channel', '不再发送到日志频道')),
    ]),
    sub('usage', both('Usage of this server: totals, top users, by model', '本服务器用量:合计、用量最多的用户、按模型'), [periodOption()]),
    sub('export', both('Export every attempt of a period as a CSV file', '将某时间段的每次请求导出为 CSV 文件'), [periodOption()]),
    sub('audit', both('The latest admin changes', '最近的管理变更'), [
      integer('count', both(`How many entries (default ${DEFAULT_AUDIT_ENTRIES})`, `显示条数(默认 ${DEFAULT_AUDIT_ENTRIES})`), 1, MAX_AUDIT_ENTRIES),
    ]),
  ],
} as const;

/** A handler for every subcommand, each taking its own arguments (the compiler checks both). */
export type AdminHandlers = SubcommandHandlers<typeof AdminCommand, AdminCall>;

/** The offered models as choices, or autocomplete when there are more than Discord allows. */
function modelField(config: AppConfig) {
  const models = config.offeredModels;
  return models.length <= MAX_CHOICES ? { choices: models.map((model) => ({ name: model.id.slice(0, 100), value: model.id })) } : { autocomplete: true };
}

/** The REST JSON of /imagine-admin, with the model choices of this configuration. */
export function adminDefinition(config: AppConfig): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return commandJSON(AdminCommand, { model: modelField(config) });
}
