// Temporary folders and files for tests that need a real file system (.env, PROVIDERS_FILE, outputs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

/** A fresh empty folder under the system temp dir; removed by `removeTempDirs`. */
export function makeTempDir(prefix = 'imagine-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes `text` to `name` inside `dir` and returns the file's path. */
export function writeTempFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, 'utf8');
  return path;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
