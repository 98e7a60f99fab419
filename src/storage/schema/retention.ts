// Usage retention (USAGE_RETENTION_DAYS, issue 14). Append RETENTION_MIGRATION to MIGRATIONS in
// ../migrations.ts after the rollups (6) entry whose triggers it replaces.
//
// The all-time totals (usage_guild_totals) and each server's spend per day (ledger_guild_days) are
// kept by triggers, and their AFTER DELETE triggers take a deleted row back out: right for a manual
// clean-up (the totals must equal a scan), wrong for retention, whose whole point is to drop the
// detail and keep the totals. So the two delete triggers are made again with one more condition:
// they do nothing while retention_pruning holds its row. The row exists only inside the pruning's
// own write transaction (storage/retention.ts inserts it first and deletes it last), so no other
// connection ever sees it and a crash mid-prune rolls it back with the deletes.
//
// The trigger bodies are those of migration 6 as it shipped (its rendered SQL, unchanged): a shipped
// migration never changes, so this one restates them rather than importing its helpers.
export const RETENTION_MIGRATION = `
  CREATE TABLE retention_pruning (
    active INTEGER PRIMARY KEY CHECK (active = 1)
  );

  DROP TRIGGER usage_guild_totals_delete;
  CREATE TRIGGER usage_guild_totals_delete AFTER DELETE ON usage
  WHEN OLD.guild_id IS NOT NULL AND OLD.outcome <> 'invalid_input' AND NOT EXISTS (SELECT 1 FROM retention_pruning)
  BEGIN
    UPDATE usage_guild_totals SET
      attempts    = attempts - 1,
      failures    = failures - (OLD.outcome NOT IN ('success', 'pending')),
      images      = images - COALESCE(OLD.image_count, 0),
      cost_micros = cost_micros - CAST(ROUND(COALESCE(OLD.estimated_cost, 0) * 1000000) AS INTEGER)
    WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id AND model = OLD.model;
  END;

  DROP TRIGGER ledger_guild_days_delete;
  CREATE TRIGGER ledger_guild_days_delete AFTER DELETE ON ledger
  WHEN OLD.guild_id IS NOT NULL AND OLD.state <> 'refunded' AND NOT EXISTS (SELECT 1 FROM retention_pruning)
  BEGIN
    UPDATE ledger_guild_days SET cost_micros = cost_micros - OLD.cost_micros
    WHERE guild_id = OLD.guild_id
      AND day = ((CAST(OLD.created_at AS INTEGER) - (OLD.created_at < CAST(OLD.created_at AS INTEGER)))
                 - (((CAST(OLD.created_at AS INTEGER) - (OLD.created_at < CAST(OLD.created_at AS INTEGER))) % 86400000)
                    + 86400000) % 86400000);
  END;
`;
