// Who reported which result. The (usage row, reporter) pair is unique, so "already reported" holds
// across restarts and two racing clicks cannot both post to the log channel.
import type { Database } from './database.js';

export interface NewReport {
  usageId: number;
  reporterId: string;
  guildId: string;
  /** Where the reported result was (the clicked message). */
  messageId?: string | null;
  messageChannelId?: string | null;
  /** Epoch ms; now when absent. */
  at?: number;
}

export interface ReportedMessage {
  messageId: string;
  channelId: string;
}

interface DbRow {
  message_id: string;
  message_channel_id: string;
}

export class ReportStore {
  private readonly insert;
  private readonly remove;
  private readonly selectMessage;

  constructor(db: Database) {
    this.insert = db.prepare<[number, string, string, string | null, string | null, number]>(`
      INSERT INTO reports (usage_id, reporter_id, guild_id, message_id, message_channel_id, reported_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (usage_id, reporter_id) DO NOTHING`);
    this.remove = db.prepare<[number, string]>('DELETE FROM reports WHERE usage_id = ? AND reporter_id = ?');
    this.selectMessage = db.prepare<[number], DbRow>(`
      SELECT message_id, message_channel_id FROM reports
      WHERE usage_id = ? AND message_id IS NOT NULL AND message_channel_id IS NOT NULL
      ORDER BY reported_at, reporter_id COLLATE "binary" LIMIT 1`);
  }

  /** Records a report; false when this member had already reported this result. */
  add(report: NewReport): boolean {
    const { usageId, reporterId, guildId } = report;
    if (!reporterId || !guildId) throw new TypeError('reporterId and guildId must be non-empty strings');
    const at = report.at ?? Date.now();
    return this.insert.run(usageId, reporterId, guildId, report.messageId ?? null, report.messageChannelId ?? null, at).changes > 0;
  }

  /** Takes a report back (it never reached the moderators), so the member may try again. */
  withdraw(usageId: number, reporterId: string): void {
    this.remove.run(usageId, reporterId);
  }

  /** Where the reported result was, as the first report saw it. */
  messageOf(usageId: number): ReportedMessage | undefined {
    const row = this.selectMessage.get(usageId);
    return row && { messageId: row.message_id, channelId: row.message_channel_id };
  }
}
