// Every text /imagine-admin shows, in English and Simplified Chinese (setting names and values come
// from moderation/guildPolicy.ts and moderation/auditText.ts, so the log channel and the replies agree).
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

export type UsagePeriod = 'today' | 'week' | 'month' | 'all';

export const USAGE_PERIOD_LABELS: Readonly<Record<UsagePeriod, Localized>> = {
  today: both('Today (UTC)', '今天(UTC)'),
  week: both('Last 7 days', '最近 7 天'),
  month: both('This month (UTC)', '本月(UTC)'),
  all: both('All time', '全部时间'),
};

export const adminText = {
  // Who may use the command.
  guildOnly: both('This command works only in a server.', '此命令只能在服务器中使用。'),
  needManageGuild: both(
    'You need the **Manage Server** permission to use this command.',
    '你需要“**管理服务器**”权限才能使用此命令。',
  ),
  unknownSubcommand: both('Unknown subcommand.', '未知的子命令。'),

  // Generic outcomes of a change.
  invalid: (problem: string) => both(`❌ ${problem}`, `❌ ${problem}`),
  unchanged: (what: Localized) => both(`Nothing changed: ${what.en}`, `没有变化:${what.zh}`),
  done: (what: Localized) => both(`✅ ${what.en}`, `✅ ${what.zh}`),
  settingNow: (label: Localized, value: Localized) => both(`✅ ${label.en}: ${value.en}`, `✅ ${label.zh}:${value.zh}`),
  settingAlready: (label: Localized, value: Localized) =>
    both(`Nothing changed: ${label.en} is already ${value.en}.`, `没有变化:${label.zh}已经是${value.zh}。`),

  // Models.
  unknownModel: (model: string, offered: string) =>
    both(`\`${model}\` is not one of the models this bot offers: ${offered}.`, `\`${model}\` 不是本机器人提供的模型。可选:${offered}。`),
  lastModel: both(
    'That would leave no model allowed. Allow another model first, or use `/imagine-admin models reset` to allow every model again.',
    '这样将没有任何可用模型。请先允许另一个模型,或用 `/imagine-admin models reset` 重新允许全部模型。',
  ),
  modelAlreadyOff: (model: string) => both(`\`${model}\` is already not allowed.`, `\`${model}\` 本来就不在允许范围内。`),

  // Channels.
  channelsUnrestricted: both(
    'Every channel is allowed at the moment, so there is nothing to disallow. Use `/imagine-admin channels allow` to limit /imagine to chosen channels.',
    '目前所有频道都允许使用,无需禁用。请用 `/imagine-admin channels allow` 把 /imagine 限定到指定频道。',
  ),
  channelNotListed: (channel: string) => both(`${channel} is not on the allowed list.`, `${channel} 不在允许列表中。`),
  lastChannel: both(
    'That is the last allowed channel: removing it would allow every channel again. Allow another channel first, or use `/imagine-admin channels reset` to allow every channel.',
    '这是最后一个允许的频道:移除后将重新允许所有频道。请先允许另一个频道,或用 `/imagine-admin channels reset` 允许所有频道。',
  ),

  // Safety.
  safetyNeedsValue: both('Give a `default`, a `max`, or both.', '请提供 `default`、`max` 或两者。'),
  safetyKindNormal: both('ordinary channels', '普通频道'),
  safetyKindNsfw: both('age-restricted channels', '年龄限制频道'),
  safetyNow: (kind: Localized, def: number, max: number) =>
    both(`Safety in ${kind.en}: default ${def}, maximum ${max}.`, `${kind.zh}的安全容忍度:默认 ${def},最高 ${max}。`),
  safetyModelCaps: (list: string) =>
    both(`Models with a narrower range clamp these values: ${list}.`, `范围更窄的模型会将其限制在自身范围内:${list}。`),
  safetyGptNote: both(
    'GPT image models map 3 or more to `moderation: low`, lower values to `auto`.',
    'GPT 图像模型:3 及以上对应 `moderation: low`,更低的值对应 `auto`。',
  ),
  safetyLine: (def: number, max: number) => both(`default ${def}, maximum ${max}`, `默认 ${def},最高 ${max}`),
  safetyModelLine: (model: string, normal: string, nsfw: string) =>
    both(`\`${model}\`: ordinary ${normal}, age-restricted ${nsfw}`, `\`${model}\`:普通 ${normal},年龄限制 ${nsfw}`),

  // Blocked words.
  wordAdded: (entry: string, regex: boolean) =>
    regex ? both(`✅ Added the blocked pattern ${entry}.`, `✅ 已添加屏蔽正则 ${entry}。`) : both(`✅ Added the blocked word ${entry}.`, `✅ 已添加屏蔽词 ${entry}。`),
  wordExists: (entry: string) => both(`${entry} is already on the list (in the same or an equivalent spelling).`, `${entry} 已在列表中(相同或等价的写法)。`),
  wordRemoved: (entry: string) => both(`✅ Removed ${entry} from the blocked words.`, `✅ 已从屏蔽词中删除 ${entry}。`),
  wordMissing: (entry: string) => both(`${entry} is not on the list.`, `${entry} 不在列表中。`),
  wordsTitle: (count: number) => both(`Blocked words and patterns (${count})`, `屏蔽词和正则(${count} 个)`),
  wordsNone: both('No blocked words yet. Add one with `/imagine-admin words add`.', '还没有屏蔽词。可用 `/imagine-admin words add` 添加。'),
  wordsAttached: (count: number) =>
    both(`The list is long: all ${count} entries are in the attached file.`, `列表较长:全部 ${count} 个条目见附件。`),

  // Spoilers.
  spoilerOn: (channel: string) => both(`✅ Results in ${channel} are now posted as spoilers.`, `✅ ${channel} 中的结果将默认以剧透形式发布。`),
  spoilerOff: (channel: string) => both(`✅ Results in ${channel} are no longer posted as spoilers.`, `✅ ${channel} 中的结果不再默认以剧透形式发布。`),
  spoilerAlreadyOn: (channel: string) => both(`${channel} already posts results as spoilers.`, `${channel} 已经默认以剧透形式发布结果。`),
  spoilerAlreadyOff: (channel: string) => both(`${channel} does not post results as spoilers.`, `${channel} 本来就不以剧透形式发布结果。`),

  // Role quotas.
  roleQuotaSet: (role: string, quota: Localized) =>
    both(`✅ Members with ${role} may make ${quota.en}.`, `✅ 拥有 ${role} 的成员额度:${quota.zh}。`),
  roleQuotaSame: (role: string, quota: Localized) => both(`${role} already has ${quota.en}.`, `${role} 的额度已经是${quota.zh}。`),
  roleQuotaCleared: (role: string) =>
    both(`✅ ${role} no longer has its own quota; its members use the server's quota.`, `✅ 已移除 ${role} 的专属额度;其成员改用服务器额度。`),
  roleQuotaNone: (role: string) => both(`${role} has no quota of its own.`, `${role} 没有专属额度。`),
  roleQuotaConflict: both('Give either `images` or `clear`, not both.', '`images` 和 `clear` 只能二选一。'),
  quotaUnlimited: both('unlimited images', '不限'),
  quotaImages: (n: number) => both(`${plural(n, 'image')} a day`, `每日 ${n} 张`),

  // Budgets.
  budgetNeedsValue: both('Give a `daily` amount, a `monthly` amount, or both.', '请提供 `daily`(每日)、`monthly`(每月)金额或两者。'),
  budgetSpent: (spent: string) => both(`spent so far: ${spent}`, `已花费 ${spent}`),

  // Users.
  blocked: (user: string, reason: string | null) =>
    both(
      `✅ ${user} can no longer generate images on this server${reason ? ` (reason: ${reason})` : ''}.`,
      `✅ 已禁止 ${user} 在本服务器生成图片${reason ? `(原因:${reason})` : ''}。`,
    ),
  alreadyBlocked: (user: string) => both(`${user} is already blocked with that reason.`, `${user} 已被禁止(原因相同)。`),
  unblocked: (user: string) => both(`✅ ${user} may generate images again.`, `✅ 已解除对 ${user} 的禁止。`),
  notBlocked: (user: string) => both(`${user} is not blocked.`, `${user} 没有被禁止。`),

  // Log channel.
  logChannelSet: (channel: string) =>
    both(`✅ Admin changes, blocked prompts and budget warnings now go to ${channel}.`, `✅ 管理变更、被拦截的提示词和预算提醒将发送到 ${channel}。`),
  logChannelUnreachable: (channel: string) =>
    both(
      `⚠️ I could not post in ${channel}: make sure I can view the channel and send messages there.`,
      `⚠️ 我无法在 ${channel} 发消息:请确认我能查看该频道并在其中发送消息。`,
    ),
  logChannelCleared: both('✅ There is no log channel any more.', '✅ 已取消日志频道。'),

  // /imagine-admin show.
  showTitle: both('Image policy of this server', '本服务器的生图策略'),
  showSafetyNormal: both('Safety (ordinary channels)', '安全容忍度(普通频道)'),
  showSafetyNsfw: both('Safety (age-restricted channels)', '安全容忍度(年龄限制频道)'),
  showSafetyModels: both('Safety per model, default/maximum (clamped to its range)', '各模型的实际安全容忍度,默认/最高(按模型范围限制)'),
  showRoleQuota: (role: string, quota: Localized) => both(`${role}: ${quota.en}`, `${role}:${quota.zh}`),
  showBudgets: both('Budgets', '预算'),
  showBudgetLine: (period: Localized, limit: Localized, spent: string) =>
    both(`${period.en}: ${limit.en} (spent ${spent})`, `${period.zh}:${limit.zh}(已花费 ${spent})`),
  showToday: both('Today', '今天'),
  showMonth: both('This month', '本月'),
  showBlockedUsers: (count: number) => both(`Blocked users (${count})`, `被禁止的用户(${count} 人)`),
  showBlockedWords: both('Blocked words', '屏蔽词'),
  showWordCount: (count: number) =>
    both(`${count} ${count === 1 ? 'entry' : 'entries'}${count ? ' (see `/imagine-admin words list`)' : ''}`, `${count} 个${count ? '(见 `/imagine-admin words list`)' : ''}`),
  showNone: both('none', '无'),
  showUpdated: (who: string, when: string) => both(`Last changed by ${who} ${when}`, `最后由 ${who} 于 ${when} 修改`),
  showDefaults: both('This server uses the default policy.', '本服务器使用默认策略。'),
  andMore: (count: number) => both(`… and ${count} more`, `… 另有 ${count} 个`),

  // /imagine-admin usage.
  usageTitle: (period: Localized) => both(`Image usage on this server: ${period.en}`, `本服务器生图用量:${period.zh}`),
  usageNone: both('No generations in this period.', '这段时间没有生成记录。'),
  usageTotalField: both('Total', '合计'),
  usageTotal: (p: { images: number; attempts: number; failures: number; users: number; cost: string }) =>
    both(
      `${plural(p.images, 'image')} from ${plural(p.attempts, 'attempt')}${p.failures ? ` (${p.failures} failed)` : ''} by ${plural(p.users, 'user')}, ≈ $${p.cost}`,
      `${p.images} 张图,${p.attempts} 次请求${p.failures ? `(失败 ${p.failures} 次)` : ''},${p.users} 位用户,约 $${p.cost}`,
    ),
  usageTopUsers: both('Top users', '用量最多的用户'),
  usageByModel: both('By model', '按模型'),
  usageUserLine: (p: { rank: number; user: string; images: number; attempts: number; cost: string }) =>
    both(
      `${p.rank}. ${p.user}: ${plural(p.images, 'image')}, ${plural(p.attempts, 'attempt')}, ≈ $${p.cost}`,
      `${p.rank}. ${p.user}:${p.images} 张图,${p.attempts} 次请求,约 $${p.cost}`,
    ),
  usageModelLine: (p: { model: string; images: number; attempts: number; failures: number; cost: string }) =>
    both(
      `\`${p.model}\`: ${plural(p.images, 'image')}, ${plural(p.attempts, 'attempt')}${p.failures ? ` (${p.failures} failed)` : ''}, ≈ $${p.cost}`,
      `\`${p.model}\`:${p.images} 张图,${p.attempts} 次请求${p.failures ? `(失败 ${p.failures} 次)` : ''},约 $${p.cost}`,
    ),
  usageFooter: both('Costs are estimates from the configured prices. Export the details with /imagine-admin export.', '费用为按配置价格估算。可用 /imagine-admin export 导出明细。'),

  // /imagine-admin export.
  exportDone: (period: Localized, rows: number) =>
    both(`Usage export, ${period.en}: ${plural(rows, 'row')}.`, `用量导出,${period.zh}:共 ${rows} 行。`),
  exportTooLarge: (period: Localized, limit: string) =>
    both(
      `The export for ${period.en} would be larger than the ${limit} Discord allows here. Choose a shorter period.`,
      `${period.zh}的导出文件会超过此处 Discord 允许的 ${limit}。请选择更短的时间段。`,
    ),

  // /imagine-admin audit.
  auditTitle: both('Recent admin changes', '最近的管理变更'),
  auditNone: both('No admin changes yet.', '还没有管理变更。'),
};
