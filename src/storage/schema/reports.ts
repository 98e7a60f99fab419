// Schema of the image reports (the Report button under a result). Append REPORTS_MIGRATION to
// MIGRATIONS in ../migrations.ts; it depends on no other table.
//
// One row per (reported usage row, reporter): the primary key is what makes a second click by the
// same member "already reported", across restarts. The reported message's location is kept too, as
// a fallback for the moderators' Delete when the usage row never learned where it was delivered.
// Snowflakes are TEXT (they exceed 2^53); no FOREIGN KEY, like the rest of the schema.
export const REPORTS_MIGRATION = `
  CREATE TABLE reports (
    usage_id           INTEGER NOT NULL,
    reporter_id        TEXT    NOT NULL,
    guild_id           TEXT    NOT NULL,
    message_id         TEXT,
    message_channel_id TEXT,
    reported_at        INTEGER NOT NULL,
    PRIMARY KEY (usage_id, reporter_id)
  );
`;
