// The admin audit log: one row per change an admin made to a server's policy, blocked words, role
// quotas, blocked users, gallery settings, style presets or prompt settings. PolicyService (and
// GalleryStore, StylePresetStore, PromptSettingsStore for theirs) writes it inside the same
// transaction as the change itself, so a change is never stored without its audit row, nor the
// reverse. The caller posts the returned entry to the log channel when one is set
// (moderation/auditText.ts words it).
import { AUDIT_ACTIONS, type AuditEntry, type AuditEvent } from '../moderation/auditEvents.js';
import type { Database } from './database.js';
import { parseJsonObject, requireId } from './rowValues.js';

// The entry types are moderation's (auditText words them); re-exported for the stores that write them.
export { AUDIT_ACTIONS } from '../moderation/auditEvents.js';
export type {
  AuditAction,
  AuditEntry,
  AuditEvent,
  GallerySettingChange,
  PromptSettingChange,
  StylePresetDetail,
} from '../moderation/auditEvents.js';

/** The most entries `recent` returns at once. */
export const MAX_AUDIT_PAGE = 100;

interface DbRow {
  id: number;
  guild_id: string;
  actor_id: string;
  action: string;
  detail: string;
  at: number;
}

function toEntry(row: DbRow): AuditEntry {
  // Rows are written only by `record`, which takes a typed AuditEvent.
  return {
    id: row.id,
    guildId: row.guild_id,
    actorId: row.actor_id,
    action: row.action,
    detail: parseJsonObject(row.detail),
    at: row.at,
  } as AuditEntry;
}

export class AuditLog {
  private readonly insert;
  private readonly selectRecent;

  constructor(db: Database) {
    this.insert = db.prepare<[string, string, string, string, number], { id: number }>(
      'INSERT INTO audit_log (guild_id, actor_id, action, detail, at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    this.selectRecent = db.prepare<[string, number], DbRow>(
      'SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?',
    );
  }

  /** Writes one entry. Call it inside the transaction that makes the change. */
  record(guildId: string, actorId: string, event: AuditEvent, at: number = Date.now()): AuditEntry {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    if (!AUDIT_ACTIONS.includes(event.action)) throw new TypeError(`unknown audit action: ${String(event.action)}`);
    const row = this.insert.get(guildId, actorId, event.action, JSON.stringify(event.detail), at);
    if (!row) throw new Error('audit_log insert returned no id');
    return { ...event, id: row.id, guildId, actorId, at } as AuditEntry;
  }

  /** The server's latest entries, newest first (at most MAX_AUDIT_PAGE). */
  recent(guildId: string, limit = 20): AuditEntry[] {
    const count = Math.max(1, Math.min(MAX_AUDIT_PAGE, Math.floor(limit)));
    return this.selectRecent.all(guildId, Number.isFinite(count) ? count : 20).map(toEntry);
  }
}
