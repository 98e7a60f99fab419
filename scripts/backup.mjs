// `npm run backup [-- <destination file>]`: like `npm start`, builds only when a source is newer than
// dist/, then runs the backup entry point (dist/src/cli/backup.js) in this same process, with the
// arguments npm passed on. Where there are no sources (a container image), run
// `node dist/src/cli/backup.js` directly.
import { buildIfStale } from './build.mjs';

const code = buildIfStale();
if (code !== 0) process.exit(code);
await import('../dist/src/cli/backup.js');
