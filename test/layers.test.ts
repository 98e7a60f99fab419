// The layer rules in .dependency-cruiser.cjs, run by dependency-cruiser: src/ and commands/ import only
// downward and without cycles; and, on a small synthetic tree, every rule can fail.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
/** One cruise takes about 4 s alone; the whole suite shares two cores with it. */
const CRUISE_MS = 110_000;
const RULES = (createRequire(import.meta.url)(CONFIG) as { forbidden: Array<{ name: string }> }).forbidden.map((rule) => rule.name);

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** dependency-cruiser over `src` and `commands` in `cwd`, with the repository's rules (as `npm run layers`). */
function cruise(cwd: string, outputType: 'err' | 'err-long' | 'json') {
  const run = spawnSync(process.execPath, [DEPCRUISE, 'src', 'commands', '--config', CONFIG, '--output-type', outputType], {
    cwd,
    encoding: 'utf8',
    timeout: CRUISE_MS,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('layers (dependency-cruiser)', () => {
  it('src/ and commands/ import only downward, without cycles', () => {
    const run = cruise(ROOT, 'err-long');
    // On failure the message is dependency-cruiser's own list: rule, from → to (or the cycle), and why. The
    // exit code is the number of errors, so 256 of them would exit 0: the summary line is checked too.
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(run.stdout, output).toContain('no dependency violations found');
  }, 2 * CRUISE_MS);

  describe('on a tree that breaks every rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imagine-layers-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    // Each module and what it imports. Comments name the rule a line breaks; "ok" lines must pass.
    const tree: Record<string, string[]> = {
      'src/i18n/messages.ts': ['../providers/errors.js'], // leaves-import-only-leaves
      'src/log.ts': ['./providers/redact.js'], // ok: redaction is a leaf
      'src/providers/redact.ts': [],
      'src/catalog/sizes.ts': ['../providers/types.js', '../i18n/messages.js'], // catalog-imports-only-leaves; ok
      'src/providers/types.ts': ['../catalog/models.js'], // ok
      'src/catalog/models.ts': [],
      'src/providers/errors.ts': [],
      'src/providers/http.ts': ['../storage/usageLog.js', '../config/relay.js'], // providers-know-nothing-above; ok
      'src/providers/profiles/types.ts': [],
      'src/config/relay.ts': ['../providers/profiles/types.js'], // ok
      'src/config/index.ts': ['../providers/http.js'], // config-reads-only-the-ground-floor
      'src/storage/usageLog.ts': ['../discord/context.js'], // services-know-nothing-above
      'src/storage/policyStore.ts': ['../moderation/rules.js'], // ok: storage keeps moderation's rows
      'src/storage/auditLog.ts': ['../queue/a.js'], // storage-reads-only-moderation-beside-it
      'src/moderation/rules.ts': [],
      'src/moderation/auditText.ts': ['../storage/auditLog.js'], // services-stay-apart
      'src/queue/a.ts': ['./b.js'], // no-cycles
      'src/queue/b.ts': ['./a.js'],
      'src/policy/service.ts': ['../storage/policyStore.js', '../generation/run.js'], // ok; policy-knows-nothing-above
      'src/pipeline/pipeline.ts': ['../generation/run.js', '../policy/service.js'], // pipeline-knows-nothing-above; ok
      'src/generation/run.ts': ['../discord/context.js', '../pipeline/other.js'], // generation-knows-no-front-end; ok
      'src/pipeline/other.ts': [],
      'src/discord/context.ts': [],
      'src/discord/interactionRouter.ts': ['../../commands/index.js'], // adapters-know-nothing-above
      'src/discord/resultMessage.ts': ['../util/misc.js'], // every-module-in-a-layer
      'src/util/misc.ts': [],
      'src/cli/imagine.ts': ['../discord/context.js', '../../test/fakes/relay.js'], // discord-and-cli-stay-apart; no-test-code-in-the-app
      'test/fakes/relay.ts': [],
      'src/gallery/post.ts': ['../discord/resultMessage.js', '../cli/imagine.js'], // ok; gallery-knows-nothing-above
      'commands/index.ts': ['../src/gallery/post.js', '../src/main.js'], // ok; commands-know-no-entry-point
      'src/main.ts': ['../commands/index.js', './discord/interactionRouter.js'], // ok
    };
    let run: ReturnType<typeof cruise>;
    let json: ReturnType<typeof cruise>;
    let violations: Violation[];
    let edges: string[];
    beforeAll(() => {
      for (const [path, imports] of Object.entries(tree)) {
        mkdirSync(join(dir, dirname(path)), { recursive: true });
        writeFileSync(join(dir, path), `${imports.map((to) => `import '${to}';`).join('\n')}\nexport {};\n`);
      }
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
      run = cruise(dir, 'err');
      json = cruise(dir, 'json');
      violations = (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary.violations;
      edges = violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`);
    }, 2 * CRUISE_MS);

    it('fails the run (a non-zero exit fails CI)', () => {
      // The `err` reporter exits with the number of errors (the json one always exits 0).
      expect(run.status).toBe(violations.length);
      expect(run.stdout).toContain('adapters-know-nothing-above: src/discord/interactionRouter.ts → commands/index.ts');
    });

    it('every rule in .dependency-cruiser.cjs reports its breach', () => {
      expect(new Set(violations.map((violation) => violation.rule.name))).toEqual(new Set(RULES));
      expect(edges).toEqual(
        expect.arrayContaining([
          'leaves-import-only-leaves: src/i18n/messages.ts → src/providers/errors.ts',
          'catalog-imports-only-leaves: src/catalog/sizes.ts → src/providers/types.ts',
          'adapters-know-nothing-above: src/discord/interactionRouter.ts → commands/index.ts',
          'services-stay-apart: src/moderation/auditText.ts → src/storage/auditLog.ts',
          'no-cycles: src/queue/a.ts → src/queue/b.ts',
        ]),
      );
    });

    it('lets downward imports through', () => {
      const allowed = [
        'src/log.ts → src/providers/redact.ts',
        'src/catalog/sizes.ts → src/i18n/messages.ts',
        'src/providers/http.ts → src/config/relay.ts',
        'src/config/relay.ts → src/providers/profiles/types.ts',
        'src/storage/policyStore.ts → src/moderation/rules.ts',
        'src/policy/service.ts → src/storage/policyStore.ts',
        'src/gallery/post.ts → src/discord/resultMessage.ts',
        'commands/index.ts → src/gallery/post.ts',
        'src/main.ts → commands/index.ts',
      ];
      for (const edge of allowed) expect(edges.filter((line) => line.endsWith(`: ${edge}`))).toEqual([]);
    });
  });
});
