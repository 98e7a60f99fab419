// The texts of community sharing (Share and ⭐ buttons, the gallery post, /gallery, /history) in
// English and Simplified Chinese. Answers follow the clicker's Discord language; the gallery post
// and the log channel notices follow the server's (every member reads them).
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

export const PERIOD_LABELS: Readonly<Record<'week' | 'month' | 'all', Localized>> = {
  week: both('Last 7 days', '最近 7 天'),
  month: both('Last 30 days', '最近 30 天'),
  all: both('All time', '全部时间'),
};

export const galleryText = {
  // ---- buttons ------------------------------------------------------------------------------------
  buttonShare: both('Share', '分享'),
  buttonShared: both('Shared', '已分享'),
  buttonPrevious: both('Previous', '上一页'),
  buttonNext: both('Next', '下一页'),

  // ---- Share: answers to the member who clicked -----------------------------------------------------
  shareNotInServer: both('Sharing is for images made in a server; a DM has no gallery.', '分享仅适用于服务器中生成的图片;私信没有画廊。'),
  shareOnlyRequester: both(
    'Only the member who made this image can share it (this server’s setting).',
    '只有生成这张图片的成员才能分享它(本服务器的设置)。',
  ),
  shareBlocked: both('You are blocked from image generation on this server, so you cannot share images.', '你已被禁止在本服务器生成图片,因此不能分享图片。'),
  imageGone: both('This image was deleted, or this server’s usage log no longer has it.', '这张图片已被删除,或本服务器的使用记录中已没有它。'),
  noGallery: both(
    'This server has no gallery channel yet. An admin can set one with `/gallery settings channel`.',
    '本服务器还没有画廊频道。管理员可以用 `/gallery settings channel` 设置。',
  ),
  noNsfwGallery: both(
    'This image was made in an age-restricted channel, so it can only go to the server’s age-restricted gallery, and none is set. An admin can set one with `/gallery settings nsfw-channel`.',
    '这张图片生成于年龄限制频道,只能分享到本服务器的年龄限制画廊,但尚未设置。管理员可以用 `/gallery settings nsfw-channel` 设置。',
  ),
  nsfwGalleryNotRestricted: (channel: string) =>
    both(
      `This image was made in an age-restricted channel, but the age-restricted gallery ${channel} is no longer age-restricted, so it was not shared. Please tell an admin.`,
      `这张图片生成于年龄限制频道,但年龄限制画廊 ${channel} 已不再是年龄限制频道,因此未分享。请告知管理员。`,
    ),
  alreadyShared: (link: string) => both(`This image is already in the gallery: ${link}`, `这张图片已在画廊中:${link}`),
  alreadySharing: both('This image is being shared right now.', '这张图片正在分享中。'),
  shared: (link: string) => both(`🖼️ Shared to the gallery: ${link}`, `🖼️ 已分享到画廊:${link}`),
  shareFailed: (channel: string) =>
    both(
      `The image could not be posted in ${channel} (the bot may lack permission to send messages or attach files there). Nothing was shared; you may try again.`,
      `无法在 ${channel} 发布图片(机器人可能没有在该频道发送消息或上传文件的权限)。未分享任何内容,你可以重试。`,
    ),
  imageNotCopied: both('The image could not be copied for the gallery. Nothing was shared; please try again later.', '无法复制图片到画廊。未分享任何内容,请稍后重试。'),

  // ---- the gallery post (server's language) -----------------------------------------------------------
  postHeadline: (p: { author: string; sharer: string }) =>
    p.author === p.sharer
      ? both(`🖼️ Shared by ${p.author}`, `🖼️ ${p.author} 分享`)
      : both(`🖼️ By ${p.author}, shared by ${p.sharer}`, `🖼️ 作者 ${p.author},由 ${p.sharer} 分享`),
  fieldModel: both('Model', '模型'),
  fieldSize: both('Size', '尺寸'),
  fieldSeed: both('Seed', '种子'),
  fieldAuthor: both('Made by', '作者'),
  fieldOriginal: both('Original', '原图'),
  jumpToOriginal: both('Jump to the original', '跳转到原消息'),

  // ---- ⭐ ----------------------------------------------------------------------------------------------
  favouriteNotInServer: both('Favourites are counted per server; this image is not in one.', '收藏按服务器统计;这张图片不在服务器中。'),
  favouriteAdded: (count: number) =>
    both(`⭐ Added to your favourites (${count} in all).`, `⭐ 已加入你的收藏(共 ${count} 人收藏)。`),
  favouriteRemoved: (count: number) =>
    both(`Removed from your favourites (${count} left).`, `已从你的收藏中移除(还有 ${count} 人收藏)。`),

  // ---- /gallery top -----------------------------------------------------------------------------------
  topTitle: (period: Localized) => both(`⭐ Most favoured images — ${period.en}`, `⭐ 最受喜爱的图片 — ${period.zh}`),
  topEmpty: both('No favourites yet in this period. Press ⭐ under an image to favour it.', '这段时间还没有收藏。点击图片下方的 ⭐ 即可收藏。'),
  topLine: (p: { rank: number; stars: number; prompt: string; author: string; model: string; when: string; link: string }) =>
    both(
      `**${p.rank}.** ⭐ ${p.stars} — ${p.prompt}\n  by ${p.author} · ${p.model} · ${p.when}${p.link}`,
      `**${p.rank}.** ⭐ ${p.stars} — ${p.prompt}\n  作者 ${p.author} · ${p.model} · ${p.when}${p.link}`,
    ),
  topHiddenNote: both('Images from age-restricted channels are listed only in age-restricted channels.', '来自年龄限制频道的图片只在年龄限制频道中列出。'),
  jump: both('Jump', '跳转'),
  inGallery: both('Gallery', '画廊'),
  pageFooter: (p: { page: number; pages: number; total: number }) =>
    both(`Page ${p.page} of ${p.pages} · ${p.total} in all`, `第 ${p.page}/${p.pages} 页 · 共 ${p.total} 项`),
  topNotInServer: both('The gallery belongs to a server; use this command there.', '画廊属于服务器;请在服务器中使用此命令。'),

  // ---- /gallery settings --------------------------------------------------------------------------------
  settingsNeedManageGuild: both(
    'Changing the gallery settings needs the **Manage Server** permission.',
    '更改画廊设置需要“**管理服务器**”权限。',
  ),
  settingsTitle: both('Gallery settings', '画廊设置'),
  settingChannel: both('Gallery channel', '画廊频道'),
  settingNsfwChannel: both('Age-restricted gallery channel', '年龄限制画廊频道'),
  settingWhoShares: both('Who may share', '谁可以分享'),
  notSet: both('not set', '未设置'),
  whoRequester: both('the member who made the image', '图片的生成者'),
  whoAnyone: both('any member', '任何成员'),
  channelSet: (channel: string) => both(`Gallery channel set to ${channel}.`, `画廊频道已设为 ${channel}。`),
  channelCleared: both('Gallery channel cleared: ordinary images can no longer be shared.', '已清除画廊频道:普通图片不能再分享。'),
  nsfwChannelSet: (channel: string) => both(`Age-restricted gallery channel set to ${channel}.`, `年龄限制画廊频道已设为 ${channel}。`),
  nsfwChannelCleared: both(
    'Age-restricted gallery channel cleared: images from age-restricted channels can no longer be shared.',
    '已清除年龄限制画廊频道:来自年龄限制频道的图片不能再分享。',
  ),
  nsfwChannelMustBeRestricted: (channel: string) =>
    both(
      `${channel} is not age-restricted. Mark it age-restricted in its Discord channel settings first, then set it again.`,
      `${channel} 不是年龄限制频道。请先在 Discord 频道设置中将其标记为年龄限制,然后再设置。`,
    ),
  channelUnknown: both('The bot cannot see that channel. Check its permissions there.', '机器人看不到该频道。请检查它在该频道的权限。'),
  sharingSet: (who: Localized) => both(`Images can now be shared by ${who.en}.`, `现在可以分享图片的是:${who.zh}。`),
  unchanged: both('Nothing changed: that is already the setting.', '未做更改:设置本来就是这样。'),
  /** Posted to the log channel (server's language). */
  logChange: (p: { actor: string; setting: Localized; value: Localized }) =>
    both(`🖼️ ${p.actor} set **${p.setting.en}** to ${p.value.en}.`, `🖼️ ${p.actor} 将“**${p.setting.zh}**”设为 ${p.value.zh}。`),

  // ---- /history -------------------------------------------------------------------------------------------
  historyTitleOwn: both('🕘 Your recent images', '🕘 你最近的图片'),
  /** Embed titles do not render mentions: the member is named in the description. */
  historyTitleMember: both('🕘 A member’s recent images', '🕘 成员最近的图片'),
  historyOf: (member: string) => both(`Member: ${member}`, `成员:${member}`),
  historyFilter: (model: string) => both(`Model: ${model}`, `模型:${model}`),
  historyEmpty: both('No images here yet.', '这里还没有图片。'),
  historyEmptyModel: (model: string) => both(`No images made with ${model} here.`, `这里没有用 ${model} 生成的图片。`),
  historyLine: (p: { when: string; model: string; prompt: string; links: string }) =>
    both(`${p.when} · **${p.model}** — ${p.prompt}${p.links}`, `${p.when} · **${p.model}** — ${p.prompt}${p.links}`),
  historyNeedsPermission: both(
    'You can see your own history. Seeing a member’s history needs the **Manage Messages** permission.',
    '你可以查看自己的历史。查看其他成员的历史需要“**管理消息**”权限。',
  ),
  historyMemberNotInDm: both('A member’s history can be looked at only in a server.', '只能在服务器中查看其他成员的历史。'),
  historyModelTooLong: both('That model name is too long to filter by.', '该模型名称过长,无法用于筛选。'),
};
