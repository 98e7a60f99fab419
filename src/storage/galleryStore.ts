// Community sharing in the database: each server's gallery settings, which images were shared (once
// each) and where their gallery post is, and members' favourites with the server's top list.
// Schema and the reasons for its shape: schema/gallery.ts.
import { AuditLog, type AuditEntry, type GallerySettingChange } from './auditLog.js';
import type { Database } from './database.js';
import { pageWindow, type Page } from './pageWindow.js';
import { requireId } from './rowValues.js';

export interface GallerySettings {
  /** Where ordinary images are shared; null: sharing is off. */
  channelId: string | null;
  /** Where images made in age-restricted channels are shared; null: they cannot be shared. */
  nsfwChannelId: string | null;
  /** false: only the requester may share an image; true: any member may. */
  shareByAnyone: boolean;
}

export const DEFAULT_GALLERY_SETTINGS: Readonly<GallerySettings> = Object.freeze({
  channelId: null,
  nsfwChannelId: null,
  shareByAnyone: false,
});

export interface ShareClaim {
  usageId: number;
  guildId: string;
  sharedBy: string;
  /** The gallery channel the post goes to. */
  channelId: string;
  ageRestricted: boolean;
  spoiler: boolean;
  /** Epoch ms; now when absent. */
  at?: number;
}

export interface GalleryPost {
  usageId: number;
  guildId: string;
  sharedBy: string;
  channelId: string;
  /** Null while the post is on its way (or was never made: a claim left by a crash). */
  messageId: string | null;
  ageRestricted: boolean;
  spoiler: boolean;
  sharedAt: number;
  removedAt: number | null;
}

export interface FavouriteToggle {
  usageId: number;
  userId: string;
  guildId: string;
  ageRestricted: boolean;
  spoiler: boolean;
  at?: number;
}

export interface TopQuery {
  guildId: string;
  /** Images generated at or after this epoch ms; absent: all time. */
  since?: number;
  /** Images from age-restricted channels are listed only where they may be shown. */
  includeAgeRestricted: boolean;
  page: number;
  pageSize: number;
}

export interface GalleryStoreOptions {
  /** Where settings changes are audited; a log over the same database when absent. */
  audit?: AuditLog;
}

/** What updateSettings did: `audit` is the entry written with the change (absent when nothing changed). */
export interface SettingsUpdate {
  settings: GallerySettings;
  changed: boolean;
  audit?: AuditEntry;
}

/** A page of /gallery top, and how many images were left out because they are age-restricted. */
export interface TopPage extends Page<TopEntry> {
  hidden: number;
}

export interface TopEntry {
  usageId: number;
  userId: string;
  prompt: string;
  model: string;
  startedAt: number;
  favourites: number;
  spoiler: boolean;
  /** The result message, when the bot learned where it was delivered. */
  messageId: string | null;
  messageChannelId: string | null;
  /** The gallery post, when the image was shared and the post is there. */
  galleryChannelId: string | null;
  galleryMessageId: string | null;
}

/** A claim whose post never got its message id after this long was left by a crash: it may be taken over. */
export const STALE_CLAIM_MS = 5 * 60_000;

interface SettingsRow {
  channel_id: string | null;
  nsfw_channel_id: string | null;
  share_by_anyone: number;
}

interface PostRow {
  usage_id: number;
  guild_id: string;
  shared_by: string;
  channel_id: string;
  message_id: string | null;
  age_restricted: number;
  spoiler: number;
  shared_at: number;
  removed_at: number | null;
}

interface TopCounts {
  total: number;
  restricted: number | null;
}

interface TopRow {
  usage_id: number;
  user_id: string;
  prompt: string;
  model: string;
  started_at: number;
  favourites: number;
  spoiler: number;
  message_id: string | null;
  message_channel_id: string | null;
  gallery_channel_id: string | null;
  gallery_message_id: string | null;
}

function toPost(row: PostRow): GalleryPost {
  return {
    usageId: row.usage_id,
    guildId: row.guild_id,
    sharedBy: row.shared_by,
    channelId: row.channel_id,
    messageId: row.message_id,
    ageRestricted: row.age_restricted === 1,
    spoiler: row.spoiler === 1,
    sharedAt: row.shared_at,
    removedAt: row.removed_at,
  };
}

export class GalleryStore {
  private readonly audit: AuditLog;
  private readonly selectSettings;
  private readonly upsertSettings;
  private readonly claim;
  private readonly unclaim;
  private readonly updatePosted;
  private readonly updateRemoved;
  private readonly selectPost;
  private readonly insertFavourite;
  private readonly deleteFavourite;
  private readonly countFavourites;
  private readonly selectTop;
  private readonly countTop;
  private readonly toggle;
  private readonly update;

  constructor(db: Database, options: GalleryStoreOptions = {}) {
    this.audit = options.audit ?? new AuditLog(db);
    this.selectSettings = db.prepare<[string], SettingsRow>(
      'SELECT channel_id, nsfw_channel_id, share_by_anyone FROM gallery_settings WHERE guild_id = ?',
    );
    this.upsertSettings = db.prepare<Record<string, unknown>>(`
      INSERT INTO gallery_settings (guild_id, channel_id, nsfw_channel_id, share_by_anyone, updated_by, updated_at)
      VALUES (@guild_id, @channel_id, @nsfw_channel_id, @share_by_anyone, @updated_by, @updated_at)
      ON CONFLICT (guild_id) DO UPDATE SET
        channel_id = excluded.channel_id, nsfw_channel_id = excluded.nsfw_channel_id,
        share_by_anyone = excluded.share_by_anyone, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    // A claim takes the key, or takes over a claim a crash left without a post (never a real post).
    // A describe or enhance row made no image: there is nothing to share.
    this.claim = db.prepare<Record<string, unknown>>(`
      INSERT INTO gallery_posts (usage_id, guild_id, shared_by, channel_id, age_restricted, spoiler, shared_at)
      SELECT @usage_id, @guild_id, @shared_by, @channel_id, @age_restricted, @spoiler, @shared_at
      WHERE NOT EXISTS (SELECT 1 FROM usage WHERE id = @usage_id AND kind <> 'image')
      ON CONFLICT (usage_id) DO UPDATE SET
        guild_id = excluded.guild_id, shared_by = excluded.shared_by, channel_id = excluded.channel_id,
        age_restricted = excluded.age_restricted, spoiler = excluded.spoiler, shared_at = excluded.shared_at
      WHERE gallery_posts.message_id IS NULL AND gallery_posts.removed_at IS NULL
        AND gallery_posts.shared_at < @stale_before`);
    this.unclaim = db.prepare<[number, string]>(
      'DELETE FROM gallery_posts WHERE usage_id = ? AND shared_by = ? AND message_id IS NULL',
    );
    this.updatePosted = db.prepare<[string, number]>('UPDATE gallery_posts SET message_id = ? WHERE usage_id = ?');
    this.updateRemoved = db.prepare<[number, number]>(
      'UPDATE gallery_posts SET removed_at = COALESCE(removed_at, ?) WHERE usage_id = ?',
    );
    this.selectPost = db.prepare<[number], PostRow>('SELECT * FROM gallery_posts WHERE usage_id = ?');
    this.insertFavourite = db.prepare<Record<string, unknown>>(`
      INSERT INTO favourites (usage_id, user_id, guild_id, age_restricted, spoiler, at)
      VALUES (@usage_id, @user_id, @guild_id, @age_restricted, @spoiler, @at)
      ON CONFLICT (usage_id, user_id) DO NOTHING`);
    this.deleteFavourite = db.prepare<[number, string]>('DELETE FROM favourites WHERE usage_id = ? AND user_id = ?');
    this.countFavourites = db.prepare<[number], number>('SELECT COUNT(*) FROM favourites WHERE usage_id = ?').pluck();
    // Images of the server generated in the period, by how many members starred them; deleted
    // images are left out (the usage row stays for the accounting, the image is gone), and so are
    // rows that made no image (describe, enhance). An image is age-restricted when any of its stars
    // says so. Grouped by the usage row's key (and the gallery row's): PostgreSQL selects a column
    // beside aggregates only when the GROUP BY holds its table's primary key.
    const starred = `
      FROM favourites f
      JOIN usage u ON u.id = f.usage_id`;
    const scope = `
      WHERE f.guild_id = @guild_id AND u.guild_id = @guild_id AND u.deleted_at IS NULL AND u.started_at >= @since
        AND u.kind = 'image'`;
    this.selectTop = db.prepare<Record<string, unknown>, TopRow>(`
      SELECT u.id AS usage_id, u.user_id, u.prompt, u.model, u.started_at, COUNT(*) AS favourites,
             MAX(f.spoiler) AS spoiler, u.message_id, u.message_channel_id,
             g.channel_id AS gallery_channel_id, g.message_id AS gallery_message_id
      ${starred}
      LEFT JOIN gallery_posts g ON g.usage_id = f.usage_id AND g.removed_at IS NULL AND g.message_id IS NOT NULL
      ${scope}
      GROUP BY u.id, g.usage_id
      HAVING @include_age_restricted = 1 OR MAX(f.age_restricted) = 0
      ORDER BY favourites DESC, u.id DESC
      LIMIT @limit OFFSET @offset`);
    // Every listed image and how many of them are age-restricted, in one pass: the page's total and
    // the "some were left out" note both come from it.
    this.countTop = db.prepare<Record<string, unknown>, TopCounts>(
      `SELECT COUNT(*) AS total, SUM(restricted) AS restricted
       FROM (SELECT MAX(f.age_restricted) AS restricted ${starred} ${scope} GROUP BY f.usage_id) AS listed`,
    );
    // One transaction: the toggle and the count it reports agree even with clicks racing.
    this.toggle = db.transaction((favourite: FavouriteToggle): { added: boolean; count: number } => {
      const added =
        this.insertFavourite.run({
          usage_id: favourite.usageId,
          user_id: favourite.userId,
          guild_id: favourite.guildId,
          age_restricted: favourite.ageRestricted ? 1 : 0,
          spoiler: favourite.spoiler ? 1 : 0,
          at: favourite.at ?? Date.now(),
        }).changes > 0;
      if (!added) this.deleteFavourite.run(favourite.usageId, favourite.userId);
      return { added, count: this.countFavourites.get(favourite.usageId) ?? 0 };
    });
    this.update = db.transaction((guildId: string, patch: Partial<GallerySettings>, actorId: string, at: number): SettingsUpdate => {
      const before = this.settings(guildId);
      const settings: GallerySettings = { ...before, ...patch };
      const changes = settingChanges(before, settings);
      if (changes.length === 0) return { settings, changed: false };
      this.upsertSettings.run({
        guild_id: guildId,
        channel_id: settings.channelId,
        nsfw_channel_id: settings.nsfwChannelId,
        share_by_anyone: settings.shareByAnyone ? 1 : 0,
        updated_by: actorId,
        updated_at: at,
      });
      const audit = this.audit.record(guildId, actorId, { action: 'gallery.update', detail: { changes } }, at);
      return { settings, changed: true, audit };
    });
  }

  settings(guildId: string): GallerySettings {
    const row = this.selectSettings.get(guildId);
    if (!row) return { ...DEFAULT_GALLERY_SETTINGS };
    return { channelId: row.channel_id, nsfwChannelId: row.nsfw_channel_id, shareByAnyone: row.share_by_anyone === 1 };
  }

  /**
   * Applies the patch; `changed` is false when it set nothing new (nothing is written then). A change
   * is audited in the same transaction, like a policy change.
   */
  updateSettings(guildId: string, patch: Partial<GallerySettings>, actorId: string, at: number = Date.now()): SettingsUpdate {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    return this.update.immediate(guildId, patch, actorId, at);
  }

  /**
   * Takes the image's one share; false when it is already shared (or being shared right now), or when
   * the row made no image (a describe or enhance call).
   */
  claimShare(claim: ShareClaim): boolean {
    requireId('guildId', claim.guildId);
    requireId('sharedBy', claim.sharedBy);
    requireId('channelId', claim.channelId);
    const at = claim.at ?? Date.now();
    return (
      this.claim.run({
        usage_id: claim.usageId,
        guild_id: claim.guildId,
        shared_by: claim.sharedBy,
        channel_id: claim.channelId,
        age_restricted: claim.ageRestricted ? 1 : 0,
        spoiler: claim.spoiler ? 1 : 0,
        shared_at: at,
        stale_before: at - STALE_CLAIM_MS,
      }).changes > 0
    );
  }

  /** Gives a claim back when its post could not be made, so the image may be shared again. */
  withdrawShare(usageId: number, sharedBy: string): void {
    this.unclaim.run(usageId, sharedBy);
  }

  /** Records the gallery post's message once it exists. */
  setPosted(usageId: number, messageId: string): boolean {
    requireId('messageId', messageId);
    return this.updatePosted.run(messageId, usageId).changes > 0;
  }

  /** The image was deleted and its gallery post with it. The row stays: the image was shared once. */
  markRemoved(usageId: number, at: number = Date.now()): boolean {
    return this.updateRemoved.run(at, usageId).changes > 0;
  }

  postOf(usageId: number): GalleryPost | undefined {
    const row = this.selectPost.get(usageId);
    return row && toPost(row);
  }

  /** Stars the image for this member, or takes the star back; returns which, and the new count. */
  toggleFavourite(favourite: FavouriteToggle): { added: boolean; count: number } {
    requireId('userId', favourite.userId);
    requireId('guildId', favourite.guildId);
    return this.toggle.immediate(favourite);
  }

  favouriteCount(usageId: number): number {
    return this.countFavourites.get(usageId) ?? 0;
  }

  /** The server's most-starred images of the period, one page of them (two queries: the counts, the page). */
  top(query: TopQuery): TopPage {
    const scope = { guild_id: query.guildId, since: query.since ?? Number.MIN_SAFE_INTEGER };
    const params = { ...scope, include_age_restricted: query.includeAgeRestricted ? 1 : 0 };
    const counts = this.countTop.get(scope);
    const restricted = counts?.restricted ?? 0;
    const hidden = query.includeAgeRestricted ? 0 : restricted;
    const total = (counts?.total ?? 0) - hidden;
    const window = pageWindow(total, query.page, query.pageSize);
    const entries = this.selectTop.all({ ...params, limit: window.limit, offset: window.offset }).map((row) => ({
      usageId: row.usage_id,
      userId: row.user_id,
      prompt: row.prompt,
      model: row.model,
      startedAt: row.started_at,
      favourites: row.favourites,
      spoiler: row.spoiler === 1,
      messageId: row.message_id,
      messageChannelId: row.message_channel_id,
      galleryChannelId: row.gallery_channel_id,
      galleryMessageId: row.gallery_message_id,
    }));
    return { entries, total, page: window.page, pages: window.pages, hidden };
  }
}

const SETTING_KEYS = ['channelId', 'nsfwChannelId', 'shareByAnyone'] as const satisfies ReadonlyArray<keyof GallerySettings>;

/** The settings that differ, as the audit log records them. */
function settingChanges(before: GallerySettings, after: GallerySettings): GallerySettingChange[] {
  return SETTING_KEYS.filter((field) => before[field] !== after[field]).map(
    (field) => ({ field, from: before[field], to: after[field] }) as GallerySettingChange,
  );
}
