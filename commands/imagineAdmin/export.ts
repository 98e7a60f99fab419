// /imagine-admin export: every attempt of a period as `usage-<guild>-<period>.csv`, one row per
// attempt (refused input left out, as in the usage view). The file starts with a UTF-8 byte order
// mark so spreadsheet programs read Chinese prompts correctly. A file larger than Discord allows
// here is not sent; the admin is asked for a shorter period.
import { AttachmentBuilder, MessageFlags } from 'discord.js';
import { DEFAULT_UPLOAD_LIMIT } from '../../src/discord/attachmentBytes.js';
import { adminText, USAGE_PERIOD_LABELS } from '../../src/i18n/adminMessages.js';
import { pick } from '../../src/i18n/locale.js';
import { reply, say } from './common.js';
import { csvLine, USAGE_CSV_HEADER, usageCsvLine } from './csv.js';
import type { AdminHandlers } from './definition.js';
import { DEFAULT_PERIOD, periodStart } from './period.js';

const BOM = '\uFEFF';

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

export const exportUsage: AdminHandlers['export'] = async (call, { period = DEFAULT_PERIOD }) => {
  await call.interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const limit = call.interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
  const now = Date.now();
  const since = periodStart(period, now);
  const parts: string[] = [BOM, csvLine(USAGE_CSV_HEADER)];
  let bytes = Buffer.byteLength(parts.join(''), 'utf8');
  let rows = 0;
  for (const row of call.ctx.usageReports.guildRows({ guildId: call.guildId, until: now, ...(since === undefined ? {} : { since }) })) {
    const line = usageCsvLine(row);
    bytes += Buffer.byteLength(line, 'utf8');
    if (bytes > limit) return say(call, adminText.exportTooLarge(USAGE_PERIOD_LABELS[period], mib(limit)));
    parts.push(line);
    rows += 1;
  }
  const file = new AttachmentBuilder(Buffer.from(parts.join(''), 'utf8'), { name: `usage-${call.guildId}-${period}.csv` });
  await reply(call, { content: pick(adminText.exportDone(USAGE_PERIOD_LABELS[period], rows), call.locale), files: [file] });
};
