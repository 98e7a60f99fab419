// The layers of src/ and commands/, checked by dependency-cruiser in `npm test` (test/layers.test.ts)
// and by hand with `npm run layers`. A module may import its own layer and the layers below it, never
// one above, and no import may close a cycle. Lowest first:
//
//   leaves       src/i18n/, src/log.ts, src/logDestination.ts, src/shorten.ts, src/providers/redact.ts
//   catalog      src/catalog/                 models, sizes, the request's own types
//   providers    src/providers/, src/config/  the relay layer; config (read by every layer from here up)
//   services     src/{moderation,storage,queue,observability,delivery,prompt}/  side by side, apart
//   policy       src/policy/                  a server's rules over their stores (moderation + storage)
//   pipeline     src/pipeline/                one generation, shared by the bot and the CLI
//   generation   src/generation/              the life of a request: admit, queue, run, settle
//   adapters     src/discord/, src/cli/       the two front ends, apart
//   gallery      src/gallery/                 a Discord feature built on the adapter
//   commands     commands/                    what users can type
//   entry points src/main.ts, src/register.ts
//
// Paths are regular expressions on paths relative to the repository root.

/** Modules every layer may use: they import nothing but each other. */
const LEAVES = ['^src/i18n/', '^src/log\\.ts$', '^src/logDestination\\.ts$', '^src/shorten\\.ts$', '^src/providers/redact\\.ts$'];
const CATALOG = '^src/catalog/';
const PROVIDERS = '^src/providers/';
const CONFIG = '^src/config/';
const SERVICES = '^src/(moderation|storage|queue|observability|delivery|prompt)/';
const POLICY = '^src/policy/';
const PIPELINE = '^src/pipeline/';
const GENERATION = '^src/generation/';
const ADAPTERS = '^src/(discord|cli)/';
const GALLERY = '^src/gallery/';
const COMMANDS = '^commands/';
const ENTRY_POINTS = '^src/(main|register)\\.ts$';
const EVERY_LAYER = [...LEAVES, CATALOG, PROVIDERS, CONFIG, SERVICES, POLICY, PIPELINE, GENERATION, ADAPTERS, GALLERY, COMMANDS, ENTRY_POINTS];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'Two modules that import each other (directly or round a loop) are one module in two files: neither can be read, ' +
        'tested or replaced alone. Type-only imports count. Move what both need below both, or hand one to the other.',
      from: { path: '^(src|commands)/' },
      to: { circular: true },
    },
    {
      name: 'every-module-in-a-layer',
      severity: 'error',
      comment:
        'A module outside every layer below has no place in the order, so nothing checks what it may import. ' +
        'Add its folder to a layer in .dependency-cruiser.cjs (and to "Layers" in the README).',
      from: { path: '^(src|commands)/' },
      to: { path: '^(src|commands)/', pathNot: EVERY_LAYER },
    },
    {
      name: 'leaves-import-only-leaves',
      severity: 'error',
      comment:
        'Texts, logging, redaction and truncation are used by every layer, so they may use none: an import from ' +
        'here into a layer closes a loop through everything that logs or speaks. Error wording takes codes, not classes.',
      from: { path: LEAVES },
      to: { path: '^(src|commands)/', pathNot: LEAVES },
    },
    {
      name: 'catalog-imports-only-leaves',
      severity: 'error',
      comment:
        'The catalog is the ground floor (models, sizes, the request types): providers, config and everything above ' +
        'read it, so it must not read them. Types it needs from above belong in the catalog.',
      from: { path: CATALOG },
      to: { path: '^(src|commands)/', pathNot: [CATALOG, ...LEAVES] },
    },
    {
      name: 'providers-know-nothing-above',
      severity: 'error',
      comment:
        'The relay layer speaks HTTP to relays and nothing else: no storage, no queue, no Discord, no commands. ' +
        'It may read the catalog, the leaves and config (the relay settings).',
      from: { path: PROVIDERS, pathNot: LEAVES },
      to: { path: [SERVICES, POLICY, PIPELINE, GENERATION, ADAPTERS, GALLERY, COMMANDS, ENTRY_POINTS] },
    },
    {
      name: 'config-reads-only-the-ground-floor',
      severity: 'error',
      comment:
        'Every layer from providers up reads config, so config reads only what is below all of them: the catalog, ' +
        'the leaves, and the relay profile types and tables (pure data). Anything more and loading the settings ' +
        'would start the layers that depend on them.',
      from: { path: CONFIG },
      to: {
        path: '^(src|commands)/',
        pathNot: [CONFIG, CATALOG, ...LEAVES, '^src/providers/types\\.ts$', '^src/providers/profiles/(types|rules)\\.ts$'],
      },
    },
    {
      name: 'services-know-nothing-above',
      severity: 'error',
      comment:
        'Moderation rules, stores, the queue, metrics, image fitting and prompt parsing serve the pipeline and the ' +
        'generation core; they must not reach up into them, nor into Discord, the CLI or commands.',
      from: { path: SERVICES },
      to: { path: [POLICY, PIPELINE, GENERATION, ADAPTERS, GALLERY, COMMANDS, ENTRY_POINTS] },
    },
    {
      name: 'services-stay-apart',
      severity: 'error',
      comment:
        'The services sit side by side: none imports another, so each can be tested alone. The one exception is ' +
        'the next rule: storage keeps the rows of moderation’s types.',
      from: { path: '^src/(moderation|queue|observability|delivery|prompt)/' },
      to: { path: '^src/(moderation|storage|queue|observability|delivery|prompt)/', pathNot: '^src/$1/' },
    },
    {
      name: 'storage-reads-only-moderation-beside-it',
      severity: 'error',
      comment:
        'A store persists moderation’s types (policies, audit events), so storage may import moderation; moderation ' +
        'is pure rules and never imports storage (services-stay-apart). No other service is storage’s business.',
      from: { path: '^src/storage/' },
      to: { path: '^src/(queue|observability|delivery|prompt)/' },
    },
    {
      name: 'policy-knows-nothing-above',
      severity: 'error',
      comment:
        'The policy service applies moderation’s rules to the stored policies; the generation core and the ' +
        'front ends call it, so it must not call them.',
      from: { path: POLICY },
      to: { path: [PIPELINE, GENERATION, ADAPTERS, GALLERY, COMMANDS, ENTRY_POINTS] },
    },
    {
      name: 'pipeline-knows-nothing-above',
      severity: 'error',
      comment: 'The pipeline is shared by the bot and the CLI, so it cannot know the generation core, Discord or the CLI.',
      from: { path: PIPELINE },
      to: { path: [GENERATION, ADAPTERS, GALLERY, COMMANDS, ENTRY_POINTS] },
    },
    {
      name: 'generation-knows-no-front-end',
      severity: 'error',
      comment:
        'The generation core (admit, queue, run, settle, recover) runs the same under Discord, the CLI and tests; ' +
        'it reports through an interface the front ends implement and never imports them or commands.',
      from: { path: GENERATION },
      to: { path: [ADAPTERS, GALLERY, COMMANDS, ENTRY_POINTS] },
    },
    {
      name: 'adapters-know-nothing-above',
      severity: 'error',
      comment:
        'The Discord adapter and the CLI sit under the gallery and the commands. The router is handed the commands ' +
        '(main.ts → startBot → createInteractionHandler): it never imports commands/.',
      from: { path: ADAPTERS },
      to: { path: [GALLERY, COMMANDS, ENTRY_POINTS] },
    },
    {
      name: 'discord-and-cli-stay-apart',
      severity: 'error',
      comment: 'Two front ends over the same core: what both need belongs below them (pipeline, generation).',
      from: { path: '^src/(discord|cli)/' },
      to: { path: '^src/(discord|cli)/', pathNot: '^src/$1/' },
    },
    {
      name: 'gallery-knows-nothing-above',
      severity: 'error',
      comment:
        'The gallery is a Discord feature built on the adapter (its buttons, ids, errors and context); the adapter ' +
        'never imports it, and it does not import the CLI, commands or the entry points.',
      from: { path: GALLERY },
      to: { path: ['^src/cli/', COMMANDS, ENTRY_POINTS] },
    },
    {
      name: 'commands-know-no-entry-point',
      severity: 'error',
      comment: 'main.ts and register.ts hand the commands out; a command importing them would start the bot.',
      from: { path: COMMANDS },
      to: { path: ENTRY_POINTS },
    },
    {
      name: 'no-test-code-in-the-app',
      severity: 'error',
      comment: 'test/ holds the fakes and helpers; the bot and the CLI must run without it.',
      from: { path: '^(src|commands)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    // Type-only imports count: a type imported from above is still a dependency on that layer.
    tsPreCompilationDeps: true,
    // NodeNext: `./x.js` in an import names `./x.ts`.
    tsConfig: { fileName: 'tsconfig.json' },
    // Only our own modules are in the graph; packages are not followed.
    includeOnly: '^(src|commands|test)/',
    exclude: { path: '^dist/' },
  },
};
