// `npm run db:copy [-- <postgres url>]`: like `npm start`, builds only when a source is newer than
// dist/, then runs the copier (dist/src/cli/copyToPostgres.js) in this same process, with the
// arguments npm passed on. Where there are no sources (a container image), run
// `node dist/src/cli/copyToPostgres.js` directly.
import { buildIfStale } from './build.mjs';

const code = buildIfStale();
if (code !== 0) process.exit(code);
await import('../dist/src/cli/copyToPostgres.js');
