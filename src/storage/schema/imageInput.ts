// Schema for image input (edits, remixes, Vary): each usage row records whether the attempt was an
// edit and how many input pictures it carried (two joined for Kontext count as two). Append
// IMAGE_INPUT_MIGRATION to MIGRATIONS in ../migrations.ts (entry 8). Older rows read as plain
// generations (0, 0), which they were.
export const IMAGE_INPUT_MIGRATION = `
  ALTER TABLE usage ADD COLUMN is_edit     INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE usage ADD COLUMN input_count INTEGER NOT NULL DEFAULT 0;
`;
