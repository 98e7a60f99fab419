// What the admin audit log records: one event per change an admin made to a server's policy,
// blocked words, role quotas, blocked users, gallery settings, style presets or prompt settings. auditText.ts words these events and
// storage/auditLog.ts stores them; storage imports moderation's types, never the reverse.
import type { FieldChange } from './guildPolicy.js';

/** One gallery setting that changed (/gallery settings); channel ids are null when cleared. */
export type GallerySettingChange =
  | { field: 'channelId' | 'nsfwChannelId'; from: string | null; to: string | null }
  | { field: 'shareByAnyone'; from: boolean; to: boolean };

/** A style preset as the audit log keeps it (storage/stylePresets.ts stores the preset itself). */
export interface StylePresetDetail {
  name: string;
  prefix: string;
  suffix: string;
  model: string | null;
  size: string | null;
}

/** One prompt setting that changed (/settings server). */
export interface PromptSettingChange {
  field: 'enhanceDefault' | 'translateForFlux';
  from: boolean;
  to: boolean;
}

/** What happened; `detail` is stored as JSON. Actions are validated by AuditLog.record, not by a CHECK. */
export type AuditEvent =
  | { action: 'policy.update'; detail: { changes: FieldChange[] } }
  /** `previous` is absent when the role had no quota of its own before. null = unlimited. */
  | { action: 'role_quota.set'; detail: { roleId: string; dailyQuota: number | null; previous?: number | null } }
  | { action: 'role_quota.clear'; detail: { roleId: string; previous: number | null } }
  | { action: 'user.block'; detail: { userId: string; reason: string | null } }
  | { action: 'user.unblock'; detail: { userId: string } }
  | { action: 'word.add'; detail: { entry: string; kind: 'word' | 'regex' } }
  | { action: 'word.remove'; detail: { entry: string; kind: 'word' | 'regex' } }
  | { action: 'gallery.update'; detail: { changes: GallerySettingChange[] } }
  | { action: 'style.add'; detail: StylePresetDetail }
  /** `previous` is the preset the new one replaced. */
  | { action: 'style.replace'; detail: StylePresetDetail & { previous: StylePresetDetail } }
  | { action: 'style.remove'; detail: StylePresetDetail }
  | { action: 'prompt_settings.update'; detail: { changes: PromptSettingChange[] } };

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
  'style.add',
  'style.replace',
  'style.remove',
  'prompt_settings.update',
];

export type AuditEntry = AuditEvent & {
  id: number;
  guildId: string;
  /** The admin who made the change. */
  actorId: string;
  /** Epoch ms. */
  at: number;
};
