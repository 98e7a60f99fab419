// The admin audit log: one row per change an admin made to a server's policy, blocked words, role
// quotas, blocked users or gallery settings. PolicyStore (GalleryStore for the gallery) writes it
// inside the same transaction as the change itself, so a change is never stored without its audit
// row, nor the reverse. The caller posts the returned
// entry to the log channel when one is set (moderation/auditText.ts words it).
import type { FieldChange } from '../moderation/guildPolicy.js';
import type { Database } from './database.js';

/** One gallery setting that changed (/gallery settings); channel ids are null when cleared. */
export type GallerySettingChange =
  | { field: 'channelId' | 'nsfwChannelId'; from: string | null; to: string | null }
  | { field: 'shareByAnyone'; from: boolean; to: boolean };

/** What happened; `detail` is stored as JSON. Actions are validated here, not by a CHECK. */
export type AuditEvent =
  | { action: 'policy.update'; detail: { changes: FieldChange[] } }
  /** `previous` is absent when the role had no quota of its own before. null = unlimited. */
  | { action: 'role_quota.set'; detail: { roleId: string; dailyQuota: number | null; previous?: number | null } }
  | { action: 'role_quota.clear'; detail: { roleId: string; previous: number | null } }
  | { action: 'user.block'; detail: { userId: string; reason: string | null } }
  | { action: 'user.unblock'; detail: { userId: string } }
  | { action: 'word.add'; detail: { entry: string; kind: 'word' | 'regex' } }
  | { action: 'word.remove'; detail: { entry: string; kind: 'word' | 'regex' } }
  | { action: 'gallery.update'; detail: { changes: GallerySettingChange[] } };

export type AuditAction = AuditEvent['action'];

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'policy.update',
  'role_quota.set',
  'role_quota.clear',
  'user.block',
  'user.unblock',
  'word.add',
  'word.remove',
  'gallery.update',
];

export type AuditEntry = AuditEvent & {
  id: number;
  guildId: string;
  /** The admin who made the change. */
  actorId: string;
  /** Epoch ms. */
  at: number;
};

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

function requireId(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toEntry(row: DbRow): AuditEntry {
  // Rows are written only by `record`, which takes a typed AuditEvent.
  return {
    id: row.id,
    guildId: row.guild_id,
    actorId: row.actor_id,
    action: row.action,
    detail: parseDetail(row.detail),
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
