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
    fromFile = parseEnv(readFileSync(envFile, 'utf8')) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { ...fromFile, ...processEnv };
}
