// Fast admin reads at any history size (migration 6). Append ROLLUPS_MIGRATION to MIGRATIONS in
// ../migrations.ts after the usage (1) and ledger (3) migrations it builds on.
//
// - usage_guild_report: a covering index for /imagine-admin usage (today, week, month) and export.
//   The report's three queries read only the index (no table lookups), and `id` sits right after
//   `started_at` so the export's `ORDER BY started_at, id` needs no sort. It replaces
//   usage_guild_time (guild_id, started_at), a prefix of it.
// - usage_guild_totals: all-time totals per server, member and model, kept by triggers on usage.
//   The "all" period reads these few hundred rows instead of scanning the server's whole history.
//   Same rules as the report: refused input (invalid_input) and DMs are left out, pending rows are
//   attempts but not failures. Money in millionths of a USD (INTEGER), so adding and taking back
//   never drifts.
// - ledger_guild_days: each server's reserved + committed money per UTC day, kept by triggers on
//   ledger. Ledger.reserve and Ledger.spent sum at most 31 of these rows for the month, instead of
//   every ledger row of the month. It replaces ledger_guild_time, which only those sums used.
//
// Each table is filled from the existing rows here, once. The triggers also handle UPDATE and
// DELETE (rows are rarely deleted, but tests and manual clean-ups do it), so the totals always
// equal what a scan of the base table would give.
//
// The SQL is assembled from the helpers below; like any shipped migration, neither it nor they may
// change once released (databases that ran it would never see the change): add a new entry instead.

const DAY_MS = 86_400_000;

/** `x` as INTEGER micros of a USD, as the ledger stores money (NULL counts as 0). */
function micros(x: string): string {
  return `CAST(ROUND(COALESCE(${x}, 0) * 1000000) AS INTEGER)`;
}

/**
 * SQL for the start of the UTC day containing the epoch-ms expression `x`, equal to periods.ts
 * dayStart(x): floor first (CAST truncates toward zero), then the remainder made non-negative.
 */
function dayOf(x: string): string {
  const floor = `(CAST(${x} AS INTEGER) - (${x} < CAST(${x} AS INTEGER)))`;
  return `(${floor} - ((${floor} % ${DAY_MS}) + ${DAY_MS}) % ${DAY_MS})`;
}

/** A usage row counts in the server report when it is in a server and is not refused input. */
const usageCounts = (row: 'NEW' | 'OLD'): string => `${row}.guild_id IS NOT NULL AND ${row}.outcome <> 'invalid_input'`;
const usageFailure = (row: 'NEW' | 'OLD'): string => `(${row}.outcome NOT IN ('success', 'pending'))`;

const addUsage = (row: 'NEW' | 'OLD'): string => `
    INSERT INTO usage_guild_totals (guild_id, user_id, model, attempts, failures, images, cost_micros)
    VALUES (${row}.guild_id, ${row}.user_id, ${row}.model, 1, ${usageFailure(row)}, COALESCE(${row}.image_count, 0),
            ${micros(`${row}.estimated_cost`)})
    ON CONFLICT (guild_id, user_id, model) DO UPDATE SET
      attempts    = attempts + excluded.attempts,
      failures    = failures + excluded.failures,
      images      = images + excluded.images,
      cost_micros = cost_micros + excluded.cost_micros;`;

const removeUsage = `
    UPDATE usage_guild_totals SET
      attempts    = attempts - 1,
      failures    = failures - ${usageFailure('OLD')},
      images      = images - COALESCE(OLD.image_count, 0),
      cost_micros = cost_micros - ${micros('OLD.estimated_cost')}
    WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id AND model = OLD.model;`;

/** A ledger row counts toward the server's budget when it is in a server and not refunded. */
const ledgerCounts = (row: 'NEW' | 'OLD'): string => `${row}.guild_id IS NOT NULL AND ${row}.state <> 'refunded'`;

const addLedger = `
    INSERT INTO ledger_guild_days (guild_id, day, cost_micros)
    VALUES (NEW.guild_id, ${dayOf('NEW.created_at')}, NEW.cost_micros)
    ON CONFLICT (guild_id, day) DO UPDATE SET cost_micros = cost_micros + excluded.cost_micros;`;

const removeLedger = `
    UPDATE ledger_guild_days SET cost_micros = cost_micros - OLD.cost_micros
    WHERE guild_id = OLD.guild_id AND day = ${dayOf('OLD.created_at')};`;

// The columns whose change can move a row's contribution; other updates (delivery, deletion,
// settled_at, refund_reason …) do not fire the triggers.
const USAGE_COLUMNS = 'guild_id, user_id, model, outcome, image_count, estimated_cost';
const LEDGER_COLUMNS = 'guild_id, state, cost_micros, created_at';

export const ROLLUPS_MIGRATION = `
  CREATE INDEX usage_guild_report ON usage
    (guild_id, started_at, id, outcome, model, user_id, image_count, estimated_cost);
  DROP INDEX usage_guild_time;

  CREATE TABLE usage_guild_totals (
    guild_id    TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    model       TEXT    NOT NULL,
    -- Rows, whatever their outcome (pending included); rows finished other than success; sum of
    -- image_count; sum of estimated_cost in millionths of a USD.
    attempts    INTEGER NOT NULL,
    failures    INTEGER NOT NULL,
    images      INTEGER NOT NULL,
    cost_micros INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, model)
  ) WITHOUT ROWID;
  INSERT INTO usage_guild_totals (guild_id, user_id, model, attempts, failures, images, cost_micros)
    SELECT guild_id, user_id, model, COUNT(*), SUM(outcome NOT IN ('success', 'pending')),
           SUM(COALESCE(image_count, 0)), SUM(${micros('estimated_cost')})
    FROM usage
    WHERE guild_id IS NOT NULL AND outcome <> 'invalid_input'
    GROUP BY guild_id, user_id, model;

  CREATE TRIGGER usage_guild_totals_insert AFTER INSERT ON usage
  WHEN ${usageCounts('NEW')}
  BEGIN ${addUsage('NEW')}
  END;
  CREATE TRIGGER usage_guild_totals_update_old AFTER UPDATE OF ${USAGE_COLUMNS} ON usage
  WHEN ${usageCounts('OLD')}
  BEGIN ${removeUsage}
  END;
  CREATE TRIGGER usage_guild_totals_update_new AFTER UPDATE OF ${USAGE_COLUMNS} ON usage
  WHEN ${usageCounts('NEW')}
  BEGIN ${addUsage('NEW')}
  END;
  CREATE TRIGGER usage_guild_totals_delete AFTER DELETE ON usage
  WHEN ${usageCounts('OLD')}
  BEGIN ${removeUsage}
  END;

  CREATE TABLE ledger_guild_days (
    guild_id    TEXT    NOT NULL,
    -- Epoch ms of UTC midnight (periods.ts dayStart of created_at).
    day         INTEGER NOT NULL,
    -- Reserved + committed (not refunded) cost_micros of the server's ledger rows made that day.
    cost_micros INTEGER NOT NULL,
    PRIMARY KEY (guild_id, day)
  ) WITHOUT ROWID;
  INSERT INTO ledger_guild_days (guild_id, day, cost_micros)
    SELECT guild_id, ${dayOf('created_at')}, SUM(cost_micros)
    FROM ledger
    WHERE guild_id IS NOT NULL AND state <> 'refunded'
    GROUP BY 1, 2;
  DROP INDEX ledger_guild_time;

  CREATE TRIGGER ledger_guild_days_insert AFTER INSERT ON ledger
  WHEN ${ledgerCounts('NEW')}
  BEGIN ${addLedger}
  END;
  CREATE TRIGGER ledger_guild_days_update_old AFTER UPDATE OF ${LEDGER_COLUMNS} ON ledger
  WHEN ${ledgerCounts('OLD')}
  BEGIN ${removeLedger}
  END;
  CREATE TRIGGER ledger_guild_days_update_new AFTER UPDATE OF ${LEDGER_COLUMNS} ON ledger
  WHEN ${ledgerCounts('NEW')}
  BEGIN ${addLedger}
  END;
  CREATE TRIGGER ledger_guild_days_delete AFTER DELETE ON ledger
  WHEN ${ledgerCounts('OLD')}
  BEGIN ${removeLedger}
  END;
`;
