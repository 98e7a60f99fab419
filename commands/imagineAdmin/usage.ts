// /imagine-admin usage: the server's usage over a period: totals, the heaviest users and per model.
import { EmbedBuilder } from 'discord.js';
import { adminText, USAGE_PERIOD_LABELS } from '../../src/i18n/adminMessages.js';
import { pick } from '../../src/i18n/locale.js';
import { userMention } from '../../src/moderation/messages.js';
import { joinLines, MAX_FIELD, reply } from './common.js';
import type { AdminHandlers } from './definition.js';
import { DEFAULT_PERIOD, periodStart } from './period.js';

const TOP_USERS = 10;
const money = (usd: number): string => usd.toFixed(3);

export const usage: AdminHandlers['usage'] = async (call, { period = DEFAULT_PERIOD }) => {
  const { locale } = call;
  const now = Date.now();
  const since = periodStart(period, now);
  const report = call.ctx.usageReports.guildReport({ guildId: call.guildId, until: now, ...(since === undefined ? {} : { since }) }, TOP_USERS);
  const embed = new EmbedBuilder().setTitle(pick(adminText.usageTitle(USAGE_PERIOD_LABELS[period]), locale));
  if (report.total.attempts === 0) {
    await reply(call, { embeds: [embed.setDescription(pick(adminText.usageNone, locale))] });
    return;
  }
  const { total } = report;
  const users = report.topUsers.map((user, index) =>
    pick(
      adminText.usageUserLine({ rank: index + 1, user: userMention(user.userId), images: user.images, attempts: user.attempts, cost: money(user.cost) }),
      locale,
    ),
  );
  const models = report.byModel.map((row) =>
    pick(adminText.usageModelLine({ model: row.model, images: row.images, attempts: row.attempts, failures: row.failures, cost: money(row.cost) }), locale),
  );
  embed
    .addFields(
      {
        name: pick(adminText.usageTotalField, locale),
        value: pick(
          adminText.usageTotal({ images: total.images, attempts: total.attempts, failures: total.failures, users: report.userCount, cost: money(total.cost) }),
          locale,
        ),
      },
      { name: pick(adminText.usageTopUsers, locale), value: joinLines(users, MAX_FIELD, locale) },
      { name: pick(adminText.usageByModel, locale), value: joinLines(models, MAX_FIELD, locale) },
    )
    .setFooter({ text: pick(adminText.usageFooter, locale) });
  await reply(call, { embeds: [embed] });
};
