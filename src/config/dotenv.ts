import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` (when present) under the process environment: a variable already set in the
 * environment wins, as CONTRACT.md says. Returns the merged view without touching process.env.
 */
export function readEnvironment(
  envFile = '.env',
  processEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  let fromFile: Record<string, string> = {};
  try {
    // Windows editors may save a byte-order mark, which would otherwise become part of the first name.
    fromFile = parseEnv(readFileSync(envFile, 'utf8').replace(/^\uFEFF/, '')) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // An empty variable (e.g. compose passing `KEY=${KEY}` unset on the host) does not hide the file's value.
  const fromProcess = Object.fromEntries(Object.entries(processEnv).filter(([, value]) => value !== undefined && value !== ''));
  return { ...fromFile, ...fromProcess };
}
