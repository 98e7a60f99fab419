// Node cannot run TypeScript in a worker thread or a plain child process: the tests that need one
// transpile the module they load, and the relative modules it imports, to JavaScript first.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Transpiles `entry` (relative to the repository root) and the relative modules it imports into
 * `outDir` (same layout; type-only imports vanish) and returns the entry's JavaScript path.
 */
export function transpileForNode(entry: string, outDir: string): string {
  const seen = new Set<string>();
  const visit = (source: string): void => {
    if (seen.has(source)) return;
    seen.add(source);
    const code = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: source,
    }).outputText;
    const target = join(outDir, relative(ROOT, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
    for (const match of code.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)\.js['"]/g)) visit(resolve(dirname(source), `${match[1]}.ts`));
  };
  visit(resolve(ROOT, entry));
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
  return join(outDir, entry).replace(/\.ts$/, '.js');
}
