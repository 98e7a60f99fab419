// The queue's texts: the waiting message with its position and ETA, the Cancel button, and what
// users are told when a job is cancelled, refused for a full queue, or closed by a restart.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

export const queueText = {
  waiting: (p: { model: string; ahead: number; startsIn: string; doneIn: string }) =>
    p.ahead === 0
      ? both(
          `⏳ You are next in line for **${p.model}**. Expected to start in about ${p.startsIn}, ready in about ${p.doneIn}.`,
          `⏳ 下一个就轮到你(**${p.model}**)。预计约 ${p.startsIn}后开始,约 ${p.doneIn}后完成。`,
        )
      : both(
          `⏳ Waiting in line for **${p.model}**: ${p.ahead} ${p.ahead === 1 ? 'request' : 'requests'} ahead of you. Expected to start in about ${p.startsIn}, ready in about ${p.doneIn}.`,
          `⏳ 正在排队(**${p.model}**):前面还有 ${p.ahead} 个请求。预计约 ${p.startsIn}后开始,约 ${p.doneIn}后完成。`,
        ),
  starting: (p: { model: string; size: string }) =>
    both(`🎨 Generating with **${p.model}** at ${p.size}…`, `🎨 正在使用 **${p.model}** 生成 ${p.size}…`),
  cancelButton: both('Cancel', '取消'),
  runAgainButton: both('Run again', '重新运行'),
  /** `inGuild` false: a DM, where no quota or server budget applies. */
  cancelled: (p: { started: boolean; inGuild?: boolean }) =>
    !p.started
      ? both('🚫 Cancelled before it started. Nothing was charged.', '🚫 已在开始前取消。未产生任何费用。')
      : // Sent already: the relay may finish and bill it, so the ledger keeps the charge (release()).
        p.inGuild === false
        ? both(
            '🚫 Cancelled. The request had already reached the image service, which may still charge for it.',
            '🚫 已取消。请求已发送到生图服务,对方仍可能计费。',
          )
        : both(
            "🚫 Cancelled. The request had already reached the image service, which may still charge for it, so it still counts against your daily image quota and this server's budget.",
            '🚫 已取消。请求已发送到生图服务,对方仍可能计费,因此仍计入你的每日图片额度和本服务器的预算。',
          ),
  cancelNotYours: both(
    'Only the person who made this request can cancel it.',
    '只有发起此请求的人才能取消它。',
  ),
  alreadyOver: both('This request has already finished, so there is nothing to cancel.', '此请求已经结束,无需取消。'),
  userQueueFull: (p: { limit: number }) =>
    both(
      `You already have ${p.limit} requests waiting. Wait for one to finish, then try again. Nothing was charged.`,
      `你已有 ${p.limit} 个请求在排队。请等其中一个完成后再试。未产生任何费用。`,
    ),
  queueFull: both(
    'The bot is very busy right now (the queue is full). Try again in a few minutes. Nothing was charged.',
    '机器人现在非常繁忙(队列已满)。请几分钟后再试。未产生任何费用。',
  ),
  notStarted: both(
    'The bot is restarting and your request had not started yet, so it was dropped. Nothing was charged. Press **Run again** once the bot is back.',
    '机器人正在重启,你的请求尚未开始,因此已取消。未产生任何费用。机器人恢复后请点击 **重新运行**。',
  ),
  recoveredInterrupted: (p: { mention: string }) =>
    both(
      `${p.mention} the bot restarted while your image was being made, so the request was stopped. It may count against your quota, because the image service may already have charged it. Press **Run again** to try once more.`,
      `${p.mention} 生成过程中机器人重启了,此请求已中断。由于生图服务可能已经计费,它可能计入你的额度。点击 **重新运行** 再试一次。`,
    ),
  // The process died with no job row for the request: around Discord's acknowledgement (only the
  // reservation written), or during a /describe or prompt enhancement. Either way there is no job to
  // Run again from, so the member is asked to send the command again.
  recoveredUnrecorded: (p: { mention: string }) =>
    both(
      `${p.mention} the bot stopped while handling your request, so it was dropped. Nothing was charged. Please send the command again.`,
      `${p.mention} 机器人在处理你的请求时停止了,该请求已取消。未产生任何费用。请重新发送该命令。`,
    ),
  recoveredNotStarted: (p: { mention: string }) =>
    both(
      `${p.mention} the bot restarted before your request started, so it was dropped. Nothing was charged. Press **Run again** to queue it once more.`,
      `${p.mention} 你的请求开始前机器人重启了,因此已取消。未产生任何费用。点击 **重新运行** 重新排队。`,
    ),
} as const;
