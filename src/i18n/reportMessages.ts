// The texts of the Report button and the moderators' quick actions, in English and Simplified
// Chinese. Answers to the member or moderator who clicked follow their Discord language; the report
// in the log channel follows the server's (its readers are every moderator, not the reporter).
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

export const reportText = {
  // ---- under a result -----------------------------------------------------------------------
  buttonReport: both('Report', '举报'),

  // ---- answers to the reporter ----------------------------------------------------------------
  notInServer: both(
    'Reporting is for images posted in a server. In a direct message you can simply delete the image.',
    '举报只适用于服务器中发布的图片。在私信中你可以直接删除这张图片。',
  ),
  noLogChannel: both(
    'This server has no moderation channel set up, so the report cannot be delivered. Please contact a moderator directly.',
    '本服务器尚未设置管理频道,举报无法送达。请直接联系管理员。',
  ),
  alreadyReported: both('You have already reported this image. The moderators have it.', '你已经举报过这张图片,管理员已收到。'),
  reported: both('Reported to the moderators. Thank you.', '已举报给管理员,谢谢。'),
  notDelivered: both(
    'The report could not be posted to the moderation channel. Please contact a moderator directly.',
    '举报未能发送到管理频道。请直接联系管理员。',
  ),

  // ---- the report in the log channel ------------------------------------------------------------
  reportHeadline: (p: { reporter: string; requester: string }) =>
    both(`🚩 ${p.reporter} reported an image by ${p.requester}.`, `🚩 ${p.reporter} 举报了 ${p.requester} 生成的图片。`),
  reportTitle: both('Reported image', '被举报的图片'),
  fieldModel: both('Model', '模型'),
  fieldSize: both('Size', '尺寸'),
  fieldSeed: both('Seed', '种子'),
  fieldRequester: both('Requested by', '请求者'),
  fieldReporter: both('Reported by', '举报人'),
  fieldMessage: both('Message', '消息'),
  jumpToMessage: both('Jump to the message', '跳转到消息'),
  fieldUsageId: both('Usage id', '记录编号'),
  fieldImage: both('Image', '图片'),
  /** When the image could not be copied into the report (download failed or too large). */
  imageNotCopied: (urls: string) => both(`Could not copy the image; original: ${urls}`, `未能复制图片;原图:${urls}`),
  buttonDeleteImage: both('Delete image', '删除图片'),
  buttonBlockUser: both('Block user', '禁止该用户'),
  buttonDeleted: both('Image deleted', '图片已删除'),
  buttonBlocked: both('User blocked', '用户已禁止'),
  /** Appended to the report when a moderator acted, so the others see it was handled. */
  deletedBy: (mod: string) => both(`🗑️ Image deleted by ${mod}.`, `🗑️ ${mod} 删除了图片。`),
  goneMarkedBy: (mod: string) =>
    both(`🗑️ The image was already gone; ${mod} marked it deleted.`, `🗑️ 图片已不存在;${mod} 已将其标记为删除。`),
  blockedBy: (p: { user: string; mod: string }) => both(`⛔ ${p.user} blocked by ${p.mod}.`, `⛔ ${p.mod} 禁止了 ${p.user}。`),
  blockReason: (usageId: number) => both(`reported image #${usageId}`, `被举报的图片 #${usageId}`),

  // ---- answers to the moderator ----------------------------------------------------------------
  deleteNeedsPermission: both(
    'Deleting a reported image needs the Manage Messages permission.',
    '删除被举报的图片需要“管理消息”权限。',
  ),
  blockNeedsPermission: both(
    'Blocking a member needs the Manage Server permission.',
    '禁止成员需要“管理服务器”权限。',
  ),
  reportGone: both(
    'That image is no longer in the usage log of this server, so this button cannot act on it.',
    '本服务器的使用记录中已找不到这张图片,此按钮无法操作。',
  ),
  deleted: both('🗑️ Deleted the reported image.', '🗑️ 已删除被举报的图片。'),
  alreadyDeleted: both('The image was already deleted.', '这张图片已经被删除了。'),
  deleteFailed: both(
    'Discord refused to delete the image (the bot may lack Manage Messages in that channel). Nothing was changed.',
    'Discord 拒绝删除这张图片(机器人可能在该频道缺少“管理消息”权限)。未做任何更改。',
  ),
  noMessageToDelete: both(
    'The bot never learned where this image was posted, so it cannot delete it. Please delete it by hand.',
    '机器人不知道这张图片发在哪里,无法删除。请手动删除。',
  ),
  blocked: (user: string) =>
    both(`⛔ Blocked ${user} from generating images on this server.`, `⛔ 已禁止 ${user} 在本服务器生成图片。`),
  alreadyBlocked: (user: string) => both(`${user} is already blocked.`, `${user} 已经被禁止了。`),
};
