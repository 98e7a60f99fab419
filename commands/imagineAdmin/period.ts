// The periods of the admin usage view and export: UTC day and calendar month (as the ledger and
// /usage count them), the last 7 days, or everything.
import type { UsagePeriod } from '../../src/i18n/adminMessages.js';
import { dayStart, monthStart } from '../../src/storage/periods.js';

const DAY_MS = 86_400_000;
export const DEFAULT_PERIOD: UsagePeriod = 'month';

/** Epoch ms the period starts at; undefined for all time. */
export function periodStart(period: UsagePeriod, now: number): number | undefined {
  switch (period) {
    case 'today':
      return dayStart(now);
    case 'week':
      return now - 7 * DAY_MS;
    case 'month':
      return monthStart(now);
    case 'all':
      return undefined;
  }
}
