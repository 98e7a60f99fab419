// Child-process tests (the CLI, the bot entry point) run the compiled JavaScript, exactly what
// `npm start` and `npm run imagine` run; build it once before any test file starts.
// SKIP_BUILD=1 skips it when running only in-process unit tests.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  if (process.env.SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
