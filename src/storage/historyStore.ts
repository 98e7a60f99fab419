// /history: a member's delivered images in one server (or in DMs), newest first, read from the
// usage log (image rows only: a describe or enhance call made none). Deleted images are left out
// (their row stays for the accounting); a link to the gallery post comes along when it was shared.
import type { Database } from './database.js';
import { pageWindow, type Page } from './pageWindow.js';

export interface HistoryQuery {
  userId: string;
  /** null: the member's DMs with the bot. */
  guildId: string | null;
  /** Only this model; absent or null: every model. */
  model?: string | null;
  page: number;
  pageSize: number;
}

export interface HistoryEntry {
  usageId: number;
  prompt: string;
  model: string;
  size: string | null;
  startedAt: number;
  messageId: string | null;
  messageChannelId: string | null;
  galleryChannelId: string | null;
  galleryMessageId: string | null;
}

/** Discord's limit on autocomplete suggestions. */
const MAX_SUGGESTIONS = 25;

interface HistoryRow {
  id: number;
  prompt: string;
  model: string;
  size_effective: string | null;
  started_at: number;
  message_id: string | null;
  message_channel_id: string | null;
  gallery_channel_id: string | null;
  gallery_message_id: string | null;
}

export class HistoryStore {
  private readonly selectPage;
  private readonly countAll;
  private readonly selectModels;

  constructor(db: Database) {
    // `IS NOT DISTINCT FROM` matches NULL to NULL, for the DM history. The conditions repeat the
    // partial index usage_history's, so the database can use it. Describe and enhance rows made no
    // image. The CAST tells PostgreSQL the type of a parameter it would otherwise not know.
    const mine = `
      FROM usage u
      WHERE u.user_id = @user_id AND u.guild_id IS NOT DISTINCT FROM @guild_id AND u.outcome = 'success'
        AND u.deleted_at IS NULL AND u.kind = 'image' AND (CAST(@model AS TEXT) IS NULL OR u.model = @model)`;
    this.selectPage = db.prepare<Record<string, unknown>, HistoryRow>(`
      SELECT u.id, u.prompt, u.model, u.size_effective, u.started_at, u.message_id, u.message_channel_id,
             g.channel_id AS gallery_channel_id, g.message_id AS gallery_message_id
      FROM (SELECT u.id ${mine} ORDER BY u.started_at DESC, u.id DESC LIMIT @limit OFFSET @offset) page
      JOIN usage u ON u.id = page.id
      LEFT JOIN gallery_posts g ON g.usage_id = u.id AND g.removed_at IS NULL AND g.message_id IS NOT NULL
      ORDER BY u.started_at DESC, u.id DESC`);
    this.countAll = db.prepare<Record<string, unknown>, number>(`SELECT COUNT(*) ${mine}`).pluck();
    // What was typed matches anywhere in the name: a LIKE with its wildcards escaped (see models()),
    // both sides lowercased, so it means the same on both databases (SQLite's LIKE ignores ASCII case,
    // PostgreSQL's does not). GROUP BY rather than DISTINCT: PostgreSQL sorts a DISTINCT only by
    // what it selects, and the order is by bytes (COLLATE "binary", schema/postgres.ts).
    this.selectModels = db
      .prepare<Record<string, unknown>, string>(`
        SELECT u.model ${mine} AND lower(u.model) LIKE @pattern ESCAPE '!'
        GROUP BY u.model
        ORDER BY u.model COLLATE "binary" LIMIT ${MAX_SUGGESTIONS}`)
      .pluck();
  }

  page(query: HistoryQuery): Page<HistoryEntry> {
    if (typeof query.userId !== 'string' || query.userId === '') throw new TypeError('userId must be a non-empty string');
    const params = { user_id: query.userId, guild_id: query.guildId, model: query.model || null };
    const total = this.countAll.get(params) ?? 0;
    const window = pageWindow(total, query.page, query.pageSize);
    const entries = this.selectPage.all({ ...params, limit: window.limit, offset: window.offset }).map((row) => ({
      usageId: row.id,
      prompt: row.prompt,
      model: row.model,
      size: row.size_effective,
      startedAt: row.started_at,
      messageId: row.message_id,
      messageChannelId: row.message_channel_id,
      galleryChannelId: row.gallery_channel_id,
      galleryMessageId: row.gallery_message_id,
    }));
    return { entries, total, page: window.page, pages: window.pages };
  }

  /** The models in the member's history, for the model filter's suggestions. */
  models(userId: string, guildId: string | null, typed = ''): string[] {
    const pattern = `%${typed.trim().toLowerCase().replace(/[!%_]/g, '!$&')}%`;
    return this.selectModels.all({ user_id: userId, guild_id: guildId, model: null, pattern });
  }
}
