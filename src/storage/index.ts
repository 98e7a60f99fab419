// The storage layer: one SQLite handle from `openDatabase`, one class per store over it.
export { isDatabaseBusy, openDatabase } from './database.js';
export type { Database } from './database.js';
export { MIGRATIONS, migrate } from './migrations.js';
export { dayStart, monthStart } from './periods.js';
export { UsageLog, USAGE_OUTCOMES } from './usageLog.js';
export type {
  FinishedOutcome,
  GuildUsageQuery,
  GuildUsageReport,
  ModelTotals,
  UsageAttempt,
  UsageOutcome,
  UsageResult,
  UsageRow,
  UsageSource,
  UsageSummary,
  UsageSummaryQuery,
  UserTotals,
} from './usageLog.js';
export { PolicyStore } from './policyStore.js';
export { AuditLog } from './auditLog.js';
export { Ledger } from './ledger.js';
export type { ReserveResult, ReserveLimits, BudgetWarning, LedgerEntry } from './ledger.js';
export { answeredOk, failureCharge, settleCharge } from './billing.js';
export type { FailureCharge } from './billing.js';
export { JobStore } from './jobStore.js';
export type { JobRow, JobState } from './jobStore.js';
export { ReportStore } from './reportStore.js';
export type { NewReport, ReportedMessage } from './reportStore.js';
export { GalleryStore, DEFAULT_GALLERY_SETTINGS } from './galleryStore.js';
export type { FavouriteToggle, GalleryPost, GallerySettings, ShareClaim, TopEntry, TopQuery } from './galleryStore.js';
export { HistoryStore } from './historyStore.js';
export type { HistoryEntry, HistoryQuery } from './historyStore.js';
export type { Page } from './pageWindow.js';
