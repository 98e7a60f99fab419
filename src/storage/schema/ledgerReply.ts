// Migration 13: where to answer the member of a reservation, kept on the reservation itself.
//
// The job row keeps the interaction token for whichever process finishes the job (entry 11), but
// it is written only after Discord has taken the deferral. A process that dies between its
// reservation and those rows (the deferral's round trip) left a reservation that start-up recovery
// or another process's sweep refunds, and its member looking at "thinking…" until Discord gave up
// 15 minutes later. With the token here, whoever refunds it edits that reply to say what happened.
//
// The token answers for the member for 15 minutes: it is kept only while the row is `reserved`,
// and every settlement clears it (ledger.ts), as the job table clears its own.
const SQLITE = `
  ALTER TABLE ledger ADD COLUMN reply_application_id TEXT;
  ALTER TABLE ledger ADD COLUMN reply_token TEXT;
  ALTER TABLE ledger ADD COLUMN reply_locale TEXT;
`;

export const LEDGER_REPLY_MIGRATION = { sqlite: SQLITE, postgres: SQLITE } as const;
