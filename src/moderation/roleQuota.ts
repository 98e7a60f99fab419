// A member's daily image quota: the server's per-user quota unless one of the member's roles has a
// quota of its own, in which case the most generous of those roles wins (unlimited beats any number)
// — the usual rule for role perks, so giving someone an extra role never lowers their quota.
// The ledger counts against the number returned here; this module only decides the number (and
// checks the quota an admin gives a role).
import { MAX_DAILY_QUOTA, PolicyValidationError } from './guildPolicy.js';
import { moderationText } from './messages.js';

export interface RoleQuotaSetting {
  roleId: string;
  /** Images per day for members with this role; null = unlimited. */
  dailyQuota: number | null;
}

/** null = unlimited. */
export function effectiveDailyQuota(
  guildDailyQuota: number | null,
  roleQuotas: readonly RoleQuotaSetting[],
  memberRoleIds: readonly string[],
): number | null {
  const roles = new Set(memberRoleIds);
  const applicable = roleQuotas.filter((quota) => roles.has(quota.roleId));
  if (applicable.length === 0) return guildDailyQuota;
  if (applicable.some((quota) => quota.dailyQuota === null)) return null;
  return Math.max(...applicable.map((quota) => quota.dailyQuota as number));
}

/** A role's daily quota as an admin set it: a whole number up to MAX_DAILY_QUOTA, or null (unlimited). */
export function checkRoleQuota(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_DAILY_QUOTA) return value;
  throw new PolicyValidationError(moderationText.roleQuotaRange(MAX_DAILY_QUOTA), 'dailyQuota');
}
