// Every text the bot shows in Discord, in English and Simplified Chinese. Each entry is a function
// returning both languages, so a missing translation is a type error rather than a blank message.
import type { Localized } from './locale.js';

/**
 * The `to` of an adjustment that left out an option the model does not take. Declared here, the
 * lowest layer, so this wording needs no request code; catalog/request.ts re-exports it.
 */
export const OMITTED = 'none';

const both = (en: string, zh: string): Localized => ({ en, zh });
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Adjustment fields (catalog/request.ts) under the names users see: the option names in English. */
const ADJUSTED_FIELDS: Record<string, Localized> = {
  size: both('size', '尺寸'),
  quality: both('quality', '质量'),
  seed: both('seed', '种子'),
  safetyTolerance: both('safety_tolerance', '安全容忍度'),
  n: both('count', '图片数量'),
  outputFormat: both('output format', '输出格式'),
  steps: both('steps', '步数'),
  guidance: both('guidance', '引导强度'),
  promptUpsampling: both('prompt upsampling', '提示词增强'),
  style: both('style', '风格'),
};

export const text = {
  progress: (p: { model: string; size: string; seconds: number }) =>
    both(
      `🎨 Generating with **${p.model}** at ${p.size}… ${p.seconds}s`,
      `🎨 正在使用 **${p.model}** 生成 ${p.size}… 已用 ${p.seconds} 秒`,
    ),
  retrying: (p: { attempt: number; reason: string }) =>
    both(`(retrying, attempt ${p.attempt}: ${p.reason})`, `(正在重试,第 ${p.attempt} 次:${p.reason})`),
  done: (p: { seconds: string }) => both(`Done in ${p.seconds}s`, `用时 ${p.seconds} 秒`),
  failedTitle: both('⚠️ Image generation failed', '⚠️ 图片生成失败'),
  fieldModel: both('Model', '模型'),
  fieldSize: both('Size', '尺寸'),
  fieldSeed: both('Seed', '种子'),
  fieldQuality: both('Quality', '质量'),
  fieldSafety: both('Safety tolerance', '安全容忍度'),
  fieldTime: both('Time', '用时'),
  fieldRequester: both('Requested by', '请求者'),
  fieldPrompt: both('Prompt', '提示词'),
  fieldRelay: both('Relay', '中转'),
  fieldRequestId: both('Request id', '请求 ID'),
  fieldCost: both('Estimated cost', '预估费用'),
  fieldNotes: both('Notes', '说明'),
  /** A change the bot made to what was asked: field names as users know them, in their language. */
  adjusted: (p: { field: string; from: string; to: string }) => {
    const label = ADJUSTED_FIELDS[p.field] ?? both(p.field, p.field);
    if (p.to === OMITTED) {
      return both(
        `${label.en} ${p.from}: this model takes no such option here, so it was left out`,
        `${label.zh} ${p.from}:该模型在此不支持此参数,已忽略`,
      );
    }
    return both(`${label.en} ${p.from} → ${p.to}`, `${label.zh} ${p.from} → ${p.to}`);
  },
  /** The relay refused an optional parameter, so the request was sent again with the stable set. */
  paramsDropped: (p: { list: string }) =>
    both(
      `the relay refused optional parameters, so it was sent again without ${p.list} (the relay's defaults were used)`,
      `中转不接受可选参数,已去掉 ${p.list} 重新发送(使用中转的默认值)`,
    ),
  reencoded: (p: { step: string; from: string; to: string; limit: string }) =>
    both(
      `re-encoded (${p.step}) from ${p.from} to ${p.to} to fit Discord's ${p.limit} upload limit`,
      `为符合 Discord ${p.limit} 上传限制,已重新编码(${p.step}):${p.from} → ${p.to}`,
    ),
  unknownInlineParameters: (p: { list: string }) =>
    // They stay in the prompt (and are sent): say so rather than "ignored".
    both(`parameters not recognised, left in the prompt: ${p.list}`, `无法识别的参数,已保留在提示词中:${p.list}`),
  buttonReroll: both('Re-roll', '重新生成'),
  buttonDetails: both('Details', '详情'),
  buttonDelete: both('Delete', '删除'),
  lateDelivery: (p: { mention: string }) =>
    both(
      `${p.mention} your image is ready (the original reply could no longer be updated, so it is posted here).`,
      `${p.mention} 你的图片生成好了(原回复已无法更新,所以发在这里)。`,
    ),
  lateFailure: (p: { mention: string }) =>
    both(`${p.mention} your image request failed:`, `${p.mention} 你的图片请求失败:`),
  deleteNotAllowed: both(
    'Only the person who asked for this image, or a member with Manage Messages, can delete it.',
    '只有请求者本人或拥有“管理消息”权限的成员才能删除这张图片。',
  ),
  deleted: both('Deleted.', '已删除。'),
  resultGone: both(
    'That image is no longer in the usage log, so this button cannot act on it.',
    '使用记录中已找不到这张图片,此按钮无法操作。',
  ),
  usageTitle: both('Your image generation usage', '你的生图用量'),
  usageToday: both('Today (UTC)', '今天(UTC)'),
  usageMonth: both('This month (UTC)', '本月(UTC)'),
  usageNone: both('No generations yet.', '暂无生成记录。'),
  usageLine: (p: { model: string; images: number; attempts: number; failures: number; cost: string }) =>
    both(
      `**${p.model}**: ${plural(p.images, 'image')}, ${plural(p.attempts, 'attempt')}${p.failures ? `, ${p.failures} failed` : ''}, ≈ $${p.cost}`,
      `**${p.model}**:${p.images} 张图,${p.attempts} 次请求${p.failures ? `,失败 ${p.failures} 次` : ''},约 $${p.cost}`,
    ),
  usageTotal: (p: { images: number; cost: string }) =>
    both(`Total: ${plural(p.images, 'image')}, ≈ $${p.cost}`, `合计:${p.images} 张图,约 $${p.cost}`),
  internalError: both(
    'Something went wrong inside the bot. Try again; if it keeps happening, tell a server admin.',
    '机器人内部出错了。请重试;如果反复出现,请联系服务器管理员。',
  ),
  databaseBusy: both(
    "The bot's database is busy right now (another program holds it). Try again in a few seconds. Nothing was charged.",
    '机器人的数据库正忙(被其他程序占用)。请几秒后再试。未产生任何费用。',
  ),
  shuttingDown: both(
    'The bot is restarting and takes no new requests right now. Try again in a minute.',
    '机器人正在重启,暂不接受新请求。请一分钟后再试。',
  ),
  interrupted: both(
    'The bot restarted while your image was being made, so this request was stopped. Please run /imagine again.',
    '生成过程中机器人重启了,此请求已中断。请重新运行 /imagine。',
  ),
  quotaReached: (p: { used: number; limit: number; resetsIn: string }) =>
    both(
      `You have used your ${p.limit} images for today (${p.used} so far). The quota resets in ${p.resetsIn} (00:00 UTC). Nothing was charged.`,
      `你今天的 ${p.limit} 张图片额度已用完(已用 ${p.used} 张)。额度将在 ${p.resetsIn} 后(UTC 0 点)重置。未产生任何费用。`,
    ),
  cooldown: (p: { wait: string }) =>
    both(`Please wait ${p.wait} before your next image (this server has a cooldown).`, `请等待 ${p.wait} 后再生成下一张图片(本服务器设置了冷却时间)。`),
  budgetExhausted: (p: { period: 'day' | 'month' }) =>
    both(
      `This server's ${p.period === 'day' ? 'daily' : 'monthly'} image budget is used up. Ask a server admin, or try again ${p.period === 'day' ? 'tomorrow' : 'next month'}. Nothing was charged.`,
      `本服务器${p.period === 'day' ? '今日' : '本月'}的生图预算已用完。请联系服务器管理员,或${p.period === 'day' ? '明天' : '下个月'}再试。未产生任何费用。`,
    ),
  budgetWarning: (p: { period: 'day' | 'month'; spent: string; limit: string }) =>
    both(
      `⚠️ This server has used 80 % of its ${p.period === 'day' ? 'daily' : 'monthly'} image budget: $${p.spent} of $${p.limit}. Generation stops at 100 %.`,
      `⚠️ 本服务器${p.period === 'day' ? '今日' : '本月'}生图预算已用 80%:$${p.spent} / $${p.limit}。达到 100% 时将停止生成。`,
    ),
  fieldSpoiler: both('Shown as a spoiler (channel setting)', '按频道设置以剧透形式显示'),
} as const;
