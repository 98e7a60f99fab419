// `npm start`: builds only when a source is newer than dist/ (after `git pull`, an edit), then runs
// the built bot in this same process. With dist/ up to date that costs a few milliseconds of stat
// calls, not a TypeScript build (4–7 s) or a second node process; a restart is back on the gateway
// about as fast as `node dist/src/main.js`, which service managers should run directly (npm does
// not pass SIGTERM on).
import { buildIfStale } from './build.mjs';

const code = buildIfStale();
if (code !== 0) process.exit(code);
await import('../dist/src/main.js');
