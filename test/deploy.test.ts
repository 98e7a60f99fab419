// The deployment files (Dockerfile, compose.yaml, Prometheus and Grafana provisioning, the systemd
// unit, the PM2 file), checked without a Docker daemon: what each one runs and keeps, that they agree
// with each other and with the bot (port, paths, grace period, metric names), compose.yaml against
// the Compose Specification's schema (dclint), and the image's health check run against a server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DCLinter } from 'dclint';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseEnv } from '../src/config/env.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const yamlFile = (path: string) => parseYaml(read(path)) as Record<string, any>;

// ---------- Dockerfile ----------

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

/** Dockerfile instructions by stage: continuation lines joined, comments dropped, ARGs before the first FROM substituted. */
function dockerStages(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((line) => line.trim());
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [image = '', , name] = instruction.args.replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs.get(arg) ?? '').split(' ');
      stages.push({ name: name ?? String(stages.length), image, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.args.split('=');
      globalArgs.set(name, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const stages = dockerStages(read('Dockerfile'));
const runtime = stages.at(-1)!;
const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const runs = (stage: Stage) => all(stage, 'RUN').join(' && ');
/** `COPY --from=stage src dest` of the runtime stage, as [stage, src, dest]. */
const copiesFrom = all(runtime, 'COPY')
  .map((args) => /^--from=(\S+) (\S+) (\S+)$/.exec(args.replace(/--chown=\S+ /, '')))
  .filter((match) => match !== null)
  .map(([, from = '', source = '', target = '']) => ({ from, source, target }));
const execForm = (args: string) => JSON.parse(args) as string[];
const runtimeEnv = new Map(
  all(runtime, 'ENV').flatMap((args) => [...args.matchAll(/(\w+)=(\S+)/g)].map(([, name = '', value = '']) => [name, value] as const)),
);
const METRICS_PORT = runtimeEnv.get('METRICS_PORT');

/** The bot's own last-resort exit after SIGTERM (src/main.ts): every supervisor must wait longer. */
const HARD_EXIT_MS = Number(/const HARD_EXIT_MS = ([\d_]+);/.exec(read('src/main.ts'))?.[1]?.replace(/_/g, ''));

describe('Dockerfile', () => {
  it('builds on Node 20 LTS slim in one stage and runs in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image, `stage ${stage.name}`).toBe('node:20-bookworm-slim');
    const build = stages.find((stage) => /\bnpm ci\b(?![^&]*--omit=dev)/.test(runs(stage)) && /npm run build/.test(runs(stage)));
    expect(build, 'a stage that installs every dependency and runs npm run build').toBeDefined();
    expect(build).not.toBe(runtime);
    expect(copiesFrom).toContainEqual({ from: build!.name, source: '/app/dist', target: './dist' });
    // dist/ is ES modules: Node needs package.json's "type": "module" beside it.
    expect(all(runtime, 'COPY').some((args) => !args.startsWith('--from') && args.split(' ').includes('package.json'))).toBe(true);
    expect(all(runtime, 'WORKDIR')).toEqual(['/app']);
  });

  it('runs with production dependencies only, every needed install script rebuilt', () => {
    const modules = copiesFrom.find((copy) => copy.target === './node_modules');
    const installer = modules ? stageNamed(modules.from)! : runtime;
    const install = runs(installer);
    expect(install).toMatch(/npm ci [^&]*--omit=dev/);
    expect(install).not.toMatch(/npm ci(?![^&]*--omit=dev)/);
    // With --ignore-scripts, each production package that has an install script must be rebuilt.
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
    const needScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path.startsWith('node_modules/') && entry.hasInstallScript && !entry.dev)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(needScripts).toContain('better-sqlite3');
    if (/--ignore-scripts/.test(install)) {
      for (const name of needScripts) expect(install, `${name}'s install script`).toMatch(new RegExp(`npm rebuild [^&]*\\b${name}\\b`));
    }
  });

  it('runs node dist/src/main.js directly under tini, as the non-root node user', () => {
    expect(all(runtime, 'ENTRYPOINT').map(execForm)).toEqual([['/usr/bin/tini', '--']]);
    expect(runs(runtime)).toMatch(/apt-get install [^&]*\btini\b/);
    expect(all(runtime, 'CMD').map(execForm)).toEqual([['node', 'dist/src/main.js']]);
    expect(existsSync(join(ROOT, 'src/main.ts'))).toBe(true);
    expect(read('Dockerfile')).not.toMatch(/^(CMD|ENTRYPOINT)\b.*\bnpm\b/m);
    const user = all(runtime, 'USER').at(-1);
    expect(user).toBe('node');
    expect(runtimeEnv.get('NODE_ENV')).toBe('production');
  });

  it('keeps data/ and outputs/ as volumes the bot user owns', () => {
    const volumes = all(runtime, 'VOLUME').flatMap(execForm);
    expect(volumes).toEqual(expect.arrayContaining(['/app/data', '/app/outputs']));
    // Ownership must be set before VOLUME: a new named volume takes the image folder's owner.
    const volumeAt = runtime.instructions.findIndex((i) => i.keyword === 'VOLUME');
    const chownAt = runtime.instructions.findIndex((i) => i.keyword === 'RUN' && /chown node:node data outputs/.test(i.args));
    expect(chownAt).toBeGreaterThanOrEqual(0);
    expect(chownAt).toBeLessThan(volumeAt);
  });

  it('serves /metrics and /healthz on every interface of the container, on the exposed port', () => {
    expect(METRICS_PORT).toMatch(/^\d+$/);
    expect(runtimeEnv.get('METRICS_HOST')).toBe('0.0.0.0');
    expect(all(runtime, 'EXPOSE')).toEqual([METRICS_PORT]);
  });

  it("HEALTHCHECK asks /healthz with node itself: healthy on 200, unhealthy on 503 or no answer", async () => {
    const [healthcheck] = all(runtime, 'HEALTHCHECK');
    const [, command = ''] = /\bCMD (\[.*\])$/.exec(healthcheck ?? '') ?? [];
    const argv = execForm(command);
    expect(argv[0]).toBe('node');
    let status = 200;
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(status).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const check = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, argv.slice(1), { env: { METRICS_PORT: String(port) }, stdio: 'ignore' });
        child.on('exit', resolve);
      });
    try {
      expect(await check()).toBe(0);
      status = 503;
      expect(await check()).toBe(1);
      expect(paths).toEqual(['/healthz', '/healthz']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await check()).toBe(1);
  });

  it('.dockerignore keeps installs, builds, data and secrets out of the build context, and the sources in', () => {
    const ignored = read('.dockerignore').split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', 'outputs', '.env', '.git', 'coverage']));
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    // `npm run build` may run a script of ours (node scripts/…): it must reach the build stage too.
    const buildScript = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.build ?? '';
    const scriptFiles = [...buildScript.matchAll(/\bnode (\S+)/g)].map(([, file = '']) => file);
    for (const source of [...build.include, ...scriptFiles, 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      const parts = source.split('/');
      const ancestors = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
      expect(ignored.filter((pattern) => ancestors.includes(pattern)), source).toEqual([]);
    }
  });
});

// ---------- compose.yaml and its monitoring ----------

const compose = yamlFile('compose.yaml');
const services = compose.services as Record<string, Record<string, any>>;
const bot = services.bot!;
const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1]);
/** Bind mounts of a compose service, as [host path, container path] (the mode left off). */
const binds = (service: Record<string, any>) =>
  (service.volumes as string[]).filter((volume) => volume.startsWith('./')).map((volume) => volume.split(':').slice(0, 2) as [string, string]);

/** dclint's findings for one compose file (schema and every rule), as `line: message (rule)`. */
function lintCompose(path: string): string[] {
  const linter = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] });
  // dclint's declarations do not resolve under NodeNext (extensionless imports): name the fields read.
  const [result] = linter.lintFiles([join(ROOT, path)], false) as Array<{ messages: Array<{ line: number; message: string; rule: string }> }>;
  expect(result, path).toBeDefined();
  return result!.messages.map((message) => `${message.line}: ${message.message} (${message.rule})`);
}

describe('compose.yaml', () => {
  it('is valid against the Compose Specification, with no dclint finding', () => {
    expect(lintCompose('compose.yaml')).toEqual([]);
  });

  it('runs the bot from this Dockerfile with .env, its two volumes, restarts and a grace period longer than its own', () => {
    expect(bot.build).toBe('.');
    expect([bot.env_file].flat()).toContain('.env');
    const mounts = (bot.volumes as string[]).map((volume) => volume.split(':')[1]);
    expect(mounts.sort()).toEqual(['/app/data', '/app/outputs']);
    for (const volume of bot.volumes as string[]) expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
    expect(bot.restart).toBe('unless-stopped');
    expect(HARD_EXIT_MS).toBeGreaterThan(0);
    expect(seconds(bot.stop_grace_period) * 1000).toBeGreaterThan(HARD_EXIT_MS);
    expect(bot.healthcheck, 'the image HEALTHCHECK applies').toBeUndefined();
    expect(bot.profiles).toBeUndefined();
    expect(bot.environment.METRICS_PORT).toBe(METRICS_PORT);
    expect(bot.environment.METRICS_HOST).toBe('0.0.0.0');
    expect(bot.ports, '/metrics stays on the compose network').toBeUndefined();
  });

  it('starts Prometheus and Grafana only with the monitoring profile, their files from deploy/', () => {
    expect(services.prometheus?.image).toMatch(/^prom\/prometheus:v\d/);
    expect(services.grafana?.image).toMatch(/^grafana\/grafana:\d/);
    for (const name of ['prometheus', 'grafana']) {
      expect(services[name]!.profiles).toEqual(['monitoring']);
      for (const [host] of binds(services[name]!)) expect(existsSync(join(ROOT, host)), host).toBe(true);
    }
    expect(binds(services.prometheus!)).toContainEqual(['./deploy/prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml']);
  });

  it('Prometheus scrapes the bot service on the port the image serves', () => {
    const prometheus = yamlFile('deploy/prometheus/prometheus.yml');
    const job = (prometheus.scrape_configs as Array<Record<string, any>>).find((config) => config.job_name === 'imagine-bot')!;
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job.static_configs.flatMap((config: { targets: string[] }) => config.targets)).toEqual([`bot:${METRICS_PORT}`]);
  });

  it('Grafana gets that Prometheus as its data source and loads the dashboard folder compose mounts', () => {
    const datasources = yamlFile('deploy/grafana/provisioning/datasources/prometheus.yml').datasources as Array<Record<string, any>>;
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    const provider = (yamlFile('deploy/grafana/provisioning/dashboards/dashboards.yml').providers as Array<Record<string, any>>)[0]!;
    expect(binds(services.grafana!)).toContainEqual(['./deploy/grafana/dashboards', provider.options.path]);
    expect(binds(services.grafana!)).toContainEqual(['./deploy/grafana/provisioning', '/etc/grafana/provisioning']);
    const home = services.grafana!.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH as string;
    expect(existsSync(join(ROOT, 'deploy/grafana/dashboards', posix.relative(provider.options.path, home)))).toBe(true);
  });
});

// ---------- deploy/compose.scale.yaml: PostgreSQL and a second bot process ----------

type Tree = Record<string, any>;
const isMapping = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A service's volume's container path: `source:target[:mode]`, a bare `target`, or the long syntax. */
const mountTarget = (volume: string | { target: string }) => (typeof volume === 'string' ? volume.split(':')[1] ?? volume : volume.target);
/** depends_on's list form as the mapping it stands for (Compose Specification: merges apply to the expanded form). */
const dependsOnMapping = (value: unknown): Tree =>
  Array.isArray(value) ? Object.fromEntries(value.map((name: string) => [name, { condition: 'service_started', required: true }])) : { ...(value as Tree) };
/** environment's list form (`KEY=VALUE`) as a mapping. */
const environmentMapping = (value: unknown): Tree =>
  Array.isArray(value) ? Object.fromEntries(value.map((entry: string) => [entry.split('=')[0], entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : null])) : { ...(value as Tree) };

/**
 * An override file merged onto a base as `docker compose -f base -f override` does (Compose
 * Specification, "Merge and override"), for the attributes these files use: mappings merge by key
 * with the override winning, sequences append; a service's volumes merge by container path and its
 * ports by their whole value; depends_on and environment merge as mappings (list forms expanded);
 * env_file appends; command, entrypoint and healthcheck.test are replaced. Neither input is changed.
 */
function mergeCompose(base: unknown, override: unknown, path: readonly string[] = []): unknown {
  const at = (pattern: string) => {
    const parts = pattern.split('.');
    return parts.length === path.length && parts.every((part, i) => part === '*' || part === path[i]);
  };
  if (override === undefined) return structuredClone(base);
  if (base === undefined) return structuredClone(override);
  if (at('services.*.depends_on')) return mergeCompose(dependsOnMapping(base), dependsOnMapping(override), [...path, '(expanded)']);
  if (at('services.*.environment')) return { ...environmentMapping(base), ...environmentMapping(override) };
  if (at('services.*.env_file')) return [...new Set([base, override].flat())];
  if (at('services.*.command') || at('services.*.entrypoint') || at('services.*.healthcheck.test')) return structuredClone(override);
  if (at('services.*.volumes') || at('services.*.ports')) {
    const key = at('services.*.volumes') ? mountTarget : (port: unknown) => JSON.stringify(port);
    const entries = new Map<string, unknown>();
    for (const entry of [...(base as unknown[]), ...(override as unknown[])]) entries.set(key(entry as string), structuredClone(entry));
    return [...entries.values()];
  }
  if (isMapping(base) && isMapping(override)) {
    const merged: Tree = structuredClone(base);
    for (const [name, value] of Object.entries(override)) merged[name] = mergeCompose(base[name], value, [...path, name]);
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(override)) return structuredClone([...base, ...override]);
  return structuredClone(override);
}

/**
 * compose's interpolation of every string in a tree: `$$`, `$VAR`, `${VAR}`, `${VAR-default}`,
 * `${VAR:-default}`, `${VAR+alternative}`, `${VAR:+alternative}`, and `${VAR?error}` / `${VAR:?error}`,
 * which refuse to go on (throw) when VAR is unset (`:` also: empty), as compose refuses to start.
 */
function interpolate(value: unknown, variables: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$(?:(\$)|\{([A-Za-z_]\w*)(?:(:?)([-+?])([^}]*))?\}|([A-Za-z_]\w*))/g, (_, escaped?: string, braced?: string, colon?: string, operator?: string, word?: string, named?: string) => {
      if (escaped) return '$';
      const name = (braced ?? named)!;
      const current = variables[name];
      const set = current !== undefined && (colon !== ':' || current !== '');
      if (operator === '-') return set ? current! : word!;
      if (operator === '+') return set ? word! : '';
      if (operator === '?' && !set) throw new Error(`required variable ${name} is missing a value: ${word}`);
      return current ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((entry) => interpolate(entry, variables));
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, interpolate(entry, variables)]));
  return value;
}

/** An env file's `KEY=VALUE` lines (comments and blank lines skipped), as compose's env_file reads .env. */
const envFileValues = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#') && line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

const scale = yamlFile('deploy/compose.scale.yaml');
/** A password as the scale file's comment asks for one (letters and digits), standing in for .env's. */
const POSTGRES_PASSWORD = 'c0ffee0ddba11f00d5eed0123456789a';
/** compose.yaml with the scale file merged on and interpolated: what `docker compose -f … -f … config` would show. */
const scaled = interpolate(mergeCompose(compose, scale), { POSTGRES_PASSWORD }) as Tree;
const scaledServices = scaled.services as Record<string, Tree>;
/** Every service built from this Dockerfile: the bot processes. */
const botNames = Object.keys(scaledServices).filter((name) => scaledServices[name]!.build !== undefined);
const [postgresName = '', postgres = {}] = Object.entries(scaledServices).find(([, service]) => /^postgres:/.test(service.image ?? '')) ?? [];
/** Each bot process's environment as it starts: .env (here .env.example) under compose's `environment`. */
const botEnvironment = (name: string): Record<string, string> => ({ ...envFileValues(read('.env.example')), ...scaledServices[name]!.environment });

describe('deploy/compose.scale.yaml', () => {
  it('is valid against the Compose Specification, with no dclint finding, in the same compose project', () => {
    expect(lintCompose('deploy/compose.scale.yaml')).toEqual([]);
    expect(scale.name).toBe(compose.name);
  });

  it('merges the way the Compose Specification says (the test merge, checked on the specification\'s examples)', () => {
    expect(mergeCompose({ services: { foo: { key1: 'value1', key2: 'value2' } } }, { services: { foo: { key2: 'VALUE', key3: 'value3' } } })).toEqual({
      services: { foo: { key1: 'value1', key2: 'VALUE', key3: 'value3' } },
    });
    expect(mergeCompose({ services: { foo: { dns: ['1.1.1.1'] } } }, { services: { foo: { dns: ['8.8.8.8'] } } })).toEqual({ services: { foo: { dns: ['1.1.1.1', '8.8.8.8'] } } });
    expect(mergeCompose({ services: { foo: { volumes: ['foo:/work'] } } }, { services: { foo: { volumes: ['bar:/work'] } } })).toEqual({ services: { foo: { volumes: ['bar:/work'] } } });
    expect(mergeCompose({ services: { foo: { command: ['echo', 'foo'] } } }, { services: { foo: { command: ['echo', 'bar'] } } })).toEqual({ services: { foo: { command: ['echo', 'bar'] } } });
    expect(mergeCompose({ services: { foo: { depends_on: ['a'] } } }, { services: { foo: { depends_on: { b: { condition: 'service_healthy' } } } } })).toEqual({
      services: { foo: { depends_on: { a: { condition: 'service_started', required: true }, b: { condition: 'service_healthy' } } } },
    });
    expect(() => interpolate('${X:?needed}', {})).toThrow(/X is missing a value: needed/);
    expect(interpolate('$${X}-${X:-d}-${Y:-d}-$X', { X: 'x' })).toBe('${X}-x-d-x');
  });

  it("writes its paths relative to the project directory, compose.yaml's folder, where compose resolves them", () => {
    for (const [name, service] of Object.entries(scale.services as Record<string, Tree>)) {
      const build = typeof service.build === 'string' ? service.build : service.build?.context;
      if (build !== undefined) expect(existsSync(join(ROOT, build, 'Dockerfile')), `${name}: build ${build}`).toBe(true);
      for (const [host] of service.volumes ? binds(service) : []) expect(existsSync(join(ROOT, host)), `${name}: ${host}`).toBe(true);
      if (service.env_file !== undefined) expect([service.env_file].flat(), name).toEqual([bot.env_file].flat());
    }
  });

  it('runs PostgreSQL from the official image at a pinned minor release of a supported major, on a named volume, unpublished', () => {
    expect(postgresName).not.toBe('');
    const [, major = '0'] = /^postgres:(\d+)\.\d+(?:-[a-z0-9]+)?$/.exec(postgres.image) ?? [];
    const [, minimum = ''] = /PostgreSQL (\d+) or newer/.exec(read('README.md')) ?? [];
    expect(Number(minimum), 'the README names the oldest PostgreSQL the bot supports').toBeGreaterThanOrEqual(13);
    expect(Number(major), `${postgres.image}: a major of ${minimum} or newer, with a minor release`).toBeGreaterThanOrEqual(Number(minimum));
    // PGDATA of the official 13-17 images; its volume is declared at the top level, so it outlives the container.
    expect(postgres.volumes.map(mountTarget)).toEqual(['/var/lib/postgresql/data']);
    expect(Object.keys(scaled.volumes)).toContain((postgres.volumes[0] as string).split(':')[0]);
    expect(postgres.ports, 'PostgreSQL stays on the compose network').toBeUndefined();
    expect(postgres.profiles).toBeUndefined();
    expect(postgres.environment.POSTGRES_USER).toMatch(/^\w+$/);
    expect(postgres.environment.POSTGRES_DB).toMatch(/^\w+$/);
  });

  it('commits no password: every one comes from POSTGRES_PASSWORD, and compose refuses to start without it', () => {
    const required = /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/;
    const raw = scale.services as Record<string, Tree>;
    expect(raw[postgresName]!.environment.POSTGRES_PASSWORD).toMatch(required);
    for (const [name, service] of Object.entries(raw)) {
      for (const [key, value] of Object.entries(environmentMapping(service.environment ?? {}))) {
        if (/PASSWORD|SECRET|TOKEN|KEY/.test(key)) expect(value, `${name}: ${key}`).toMatch(required);
        if (key === 'DATABASE_URL') expect(/^postgres(?:ql)?:\/\/[^:@/]+:([^@]*)@/.exec(String(value))?.[1], `${name}: DATABASE_URL's password`).toMatch(required);
      }
    }
    // What compose passes on is the variable's value and nothing else.
    expect(postgres.environment.POSTGRES_PASSWORD).toBe(POSTGRES_PASSWORD);
    for (const name of botNames) expect(new URL(scaledServices[name]!.environment.DATABASE_URL).password, name).toBe(POSTGRES_PASSWORD);
    expect(() => interpolate(scale, {})).toThrow(/POSTGRES_PASSWORD is missing a value/);
    expect(() => interpolate(scale, { POSTGRES_PASSWORD: '' })).toThrow(/POSTGRES_PASSWORD is missing a value/);
  });

  it("points every bot process at that PostgreSQL: its service name as the host, its user and its database", () => {
    expect([...botNames].sort()).toEqual(['bot', 'bot-2']);
    const { POSTGRES_USER: user, POSTGRES_DB: database } = postgres.environment as Record<string, string>;
    for (const name of botNames) {
      const url = new URL(scaledServices[name]!.environment.DATABASE_URL);
      expect(url.protocol, name).toMatch(/^postgres(ql)?:$/);
      expect(url.hostname, name).toBe(postgresName);
      expect(['', '5432'], `${name}: the port the image listens on`).toContain(url.port);
      expect(decodeURIComponent(url.username), name).toBe(user);
      expect(url.pathname, name).toBe(`/${database}`);
    }
    // The healthcheck asks for that user and database too.
    const check = [postgres.healthcheck.test].flat().join(' ');
    expect(check).toMatch(/^CMD(-SHELL)? pg_isready /);
    expect(check).toMatch(new RegExp(`(-U |--username=)${user}\\b`));
    expect(check).toMatch(new RegExp(`(-d |--dbname=)${database}\\b`));
  });

  it('starts each bot process only once PostgreSQL is healthy (and so stops them before it)', () => {
    expect(postgres.healthcheck.test).toBeDefined();
    for (const name of botNames) expect(scaledServices[name]!.depends_on?.[postgresName]?.condition, name).toBe('service_healthy');
  });

  it("passes the bot's own environment check in every bot process (compose's environment over .env.example)", () => {
    for (const name of botNames) {
      const env = parseEnv(botEnvironment(name));
      expect(env.databaseUrl, name).toBe(scaledServices[name]!.environment.DATABASE_URL);
      expect(env.metricsPort, name).toBe(Number(METRICS_PORT));
      expect(env.metricsHost, name).toBe('0.0.0.0');
    }
  });

  it('runs the shards 0..SHARD_COUNT-1 exactly once across the bot processes, under one SHARD_COUNT, with distinct PROCESS_NAMEs', () => {
    const envs = botNames.map((name) => parseEnv(botEnvironment(name)));
    const counts = [...new Set(envs.map((env) => env.shardCount))];
    expect(counts, 'every process names the same total').toHaveLength(1);
    const [count] = counts;
    expect(typeof count).toBe('number');
    const ids = envs.flatMap((env) => env.shardIds ?? []).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: count as number }, (_, id) => id));
    for (const [i, env] of envs.entries()) expect(env.shardIds, `${botNames[i]} names its shards`).toBeDefined();
    const names = botNames.map((name) => scaledServices[name]!.environment.PROCESS_NAME as string | undefined);
    for (const [i, name] of names.entries()) expect(name, `${botNames[i]}: PROCESS_NAME`).toMatch(/\S/);
    expect(new Set(names).size).toBe(names.length);
  });

  it('runs the second process as the bot runs: the same build and .env, /metrics on the image port, the same restart and grace period, no volumes', () => {
    const first = scaledServices.bot!;
    for (const name of botNames.filter((name) => name !== 'bot')) {
      const service = scaledServices[name]!;
      expect(service.build, name).toEqual(first.build);
      expect([service.env_file].flat(), name).toEqual([first.env_file].flat());
      expect(service.environment.METRICS_PORT, name).toBe(first.environment.METRICS_PORT);
      expect(service.environment.METRICS_HOST, name).toBe(first.environment.METRICS_HOST);
      expect(service.restart, name).toBe(first.restart);
      expect(service.stop_grace_period, name).toBe(first.stop_grace_period);
      expect(service.healthcheck, `${name}: the image HEALTHCHECK applies`).toBeUndefined();
      expect(service.ports, `${name}: /metrics stays on the compose network`).toBeUndefined();
      expect(service.profiles, name).toBeUndefined();
      // With PostgreSQL nothing is kept on disk (the comment in the file says why).
      expect(service.volumes, name).toBeUndefined();
    }
  });

  it('with the monitoring profile, Prometheus scrapes every bot process (prometheus.scale.yml, otherwise prometheus.yml)', () => {
    const prometheus = scaledServices.prometheus!;
    expect(prometheus.profiles).toEqual(['monitoring']);
    const config = binds(prometheus).filter(([, target]) => target === '/etc/prometheus/prometheus.yml');
    expect(config).toEqual([['./deploy/prometheus/prometheus.scale.yml', '/etc/prometheus/prometheus.yml']]);
    for (const name of botNames) expect(Object.keys(prometheus.depends_on), name).toContain(name);
    const scaleConfig = yamlFile('deploy/prometheus/prometheus.scale.yml');
    const targets = (config: Tree) =>
      (config.scrape_configs as Tree[]).find((job) => job.job_name === 'imagine-bot')!.static_configs.flatMap((static_: { targets: string[] }) => static_.targets) as string[];
    expect(targets(scaleConfig).sort()).toEqual(botNames.map((name) => `${name}:${METRICS_PORT}`).sort());
    const withoutTargets = (config: Tree) => JSON.parse(JSON.stringify(config, (key, value) => (key === 'targets' ? undefined : value))) as unknown;
    expect(withoutTargets(scaleConfig)).toEqual(withoutTargets(yamlFile('deploy/prometheus/prometheus.yml')));
  });
});

// ---------- the dashboard against the bot's metrics ----------

interface MetricDefinition {
  labels: string[];
}

/**
 * The bot's metrics as src/observability/metrics.ts declares them (each `name: '…'` with the
 * `labelNames` and `buckets` that follow it, however the constructor is reached), histogram series included.
 */
function botMetrics(): Map<string, MetricDefinition> {
  const source = read('src/observability/metrics.ts');
  const metrics = new Map<string, MetricDefinition>();
  for (const declaration of source.split(/(?=\bname: ')/).slice(1)) {
    const name = /^name: '([a-z_:][a-z0-9_:]*)'/.exec(declaration)?.[1];
    if (!name) continue;
    const labels = [...(/labelNames: \[([^\]]*)\]/.exec(declaration)?.[1] ?? '').matchAll(/'(\w+)'/g)].map(([, label = '']) => label);
    metrics.set(name, { labels });
    if (/\bbuckets:/.test(declaration)) {
      metrics.set(`${name}_bucket`, { labels: [...labels, 'le'] });
      metrics.set(`${name}_sum`, { labels });
      metrics.set(`${name}_count`, { labels });
    }
  }
  return metrics;
}

/** Node's process metrics as prom-client names them; the bot exports them through collectDefaultMetrics. */
async function processMetrics(): Promise<Map<string, MetricDefinition>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new Map<string, MetricDefinition>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const labels = [...new Set((metric.values as Array<{ labels: object }>).flatMap((value) => Object.keys(value.labels)))];
    metrics.set(metric.name, { labels });
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) metrics.set(`${metric.name}${suffix}`, { labels });
  }
  registry.clear();
  return metrics;
}

/** The PromQL this dashboard uses; anything else left in an expression is a metric name. */
const PROMQL_WORDS = new Set(['sum', 'avg', 'min', 'max', 'count', 'by', 'without', 'rate', 'irate', 'increase', 'histogram_quantile', 'and', 'or', 'unless', 'on', 'ignoring', 'offset', 'topk', 'bottomk', 'clamp_min', 'clamp_max', 'abs']);
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

function promql(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  const rest = expr
    .replace(/\{([^}]*)\}/g, (_, matchers: string) => {
      labels.push(...[...matchers.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map(([, label = '']) => label));
      return ' ';
    })
    .replace(/\b(?:by|without)\s*\(([^)]*)\)/g, (_, list: string) => {
      labels.push(...list.split(',').map((label) => label.trim()).filter(Boolean));
      return ' ';
    })
    .replace(/\[[^\]]*\]/g, ' ');
  const metrics = (rest.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((word) => !PROMQL_WORDS.has(word));
  return { metrics, labels };
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/imagine-bot.json')) as { uid: string; panels: Array<Record<string, any>> };
  const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
  const exprs = panels.flatMap((panel) => (panel.targets as Array<{ expr: string }>).map((target) => ({ panel: panel.title as string, expr: target.expr })));

  it('queries the provisioned Prometheus in every panel', () => {
    const { uid } = (yamlFile('deploy/grafana/provisioning/datasources/prometheus.yml').datasources as Array<{ uid: string }>)[0]!;
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid });
  });

  it('names only metrics and labels the bot exports (or Prometheus adds), so they cannot drift apart', async () => {
    expect(read('src/observability/metrics.ts')).toMatch(/collectDefaultMetrics\(/);
    const known = new Map([...botMetrics(), ...(await processMetrics()), ['up', { labels: [] }]]);
    const used = new Set<string>();
    for (const { panel, expr } of exprs) {
      const { metrics, labels } = promql(expr);
      expect(metrics.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const metric of metrics) {
        used.add(metric);
        expect(known.has(metric), `${panel}: ${metric} is not exported`).toBe(true);
        for (const label of labels) expect([...known.get(metric)!.labels, ...TARGET_LABELS], `${panel}: ${metric} has no label ${label}`).toContain(label);
      }
    }
    // The panels: jobs by outcome and model, generation latency, queue depth, relay errors, deliveries.
    for (const metric of ['imagine_jobs_total', 'imagine_generation_seconds_bucket', 'imagine_job_seconds_bucket', 'imagine_queue_depth', 'imagine_relay_errors_total', 'imagine_deliveries_total']) {
      expect([...used], metric).toContain(metric);
    }
  });

  it('shows jobs by outcome and by model, latency p50 and p95, relay errors by relay and kind, deliveries by route', () => {
    const all = exprs.map(({ expr }) => expr.replace(/\s+/g, ' '));
    for (const wanted of [
      /sum by \(outcome\) \(rate\(imagine_jobs_total/,
      /sum by \(model\) \(rate\(imagine_jobs_total/,
      /histogram_quantile\(0\.5, sum by \(le, model\) \(rate\(imagine_generation_seconds_bucket/,
      /histogram_quantile\(0\.95, sum by \(le, model\) \(rate\(imagine_generation_seconds_bucket/,
      /sum by \(relay, kind\) \(rate\(imagine_relay_errors_total/,
      /sum by \(via\) \(rate\(imagine_deliveries_total/,
      /sum by \(state\) \(imagine_queue_depth\)/,
    ]) {
      expect(all.some((expr) => wanted.test(expr)), String(wanted)).toBe(true);
    }
  });

  it('the Prometheus configurations name no metric the bot does not export', () => {
    for (const file of ['deploy/prometheus/prometheus.yml', 'deploy/prometheus/prometheus.scale.yml']) {
      const named = read(file).match(/\bimagine_\w+/g) ?? [];
      for (const metric of named) expect(botMetrics().has(metric), `${file}: ${metric}`).toBe(true);
    }
  });
});

// ---------- supervisors ----------

/** A systemd unit file's settings by section; a key given twice keeps every value. */
function unitFile(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const [, key = '', value = ''] = /^([^=]+?)\s*=\s*(.*)$/.exec(line) ?? [];
    current?.set(key, [...(current.get(key) ?? []), value]);
  }
  return sections;
}

describe('systemd unit', () => {
  const text = read('deploy/systemd/imagine-bot.service');
  const service = unitFile(text).get('Service')!;
  const one = (key: string) => {
    const values = service.get(key) ?? [];
    expect(values, key).toHaveLength(1);
    return values[0]!;
  };

  it('runs node dist/src/main.js directly as its own user, restarting on failure', () => {
    expect(one('User')).not.toMatch(/^(root|0)$/);
    const workdir = one('WorkingDirectory');
    expect(workdir).toMatch(/^\//);
    expect(one('EnvironmentFile').replace(/^-/, '')).toBe(`${workdir}/.env`);
    expect(one('ExecStart')).toBe('/usr/bin/node dist/src/main.js');
    expect(one('Restart')).toBe('on-failure');
  });

  it('stops with SIGTERM and waits longer than the bot itself does', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(Number(one('TimeoutStopSec')) * 1000).toBeGreaterThan(HARD_EXIT_MS);
  });

  it('can write the data and outputs folders and nothing else', () => {
    const workdir = one('WorkingDirectory');
    expect(one('ProtectSystem')).toBe('strict');
    const writable = one('ReadWritePaths').split(/\s+/).map((path) => path.replace(/^-/, ''));
    expect(writable.sort()).toEqual([`${workdir}/data`, `${workdir}/outputs`]);
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome']) expect(one(key), key).toBe('true');
    // V8 compiles to writable executable memory: this setting would crash node.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it.skipIf(spawnSync('systemd-analyze', ['--version']).status !== 0)('passes systemd-analyze verify', () => {
    const verify = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy/systemd/imagine-bot.service')], { encoding: 'utf8' });
    expect(`${verify.stdout}${verify.stderr}`.trim()).toBe('');
    expect(verify.status).toBe(0);
  });
});

describe('PM2 ecosystem.config.cjs', () => {
  const { apps } = createRequire(import.meta.url)(join(ROOT, 'ecosystem.config.cjs')) as { apps: Array<Record<string, any>> };

  it('runs one process of node dist/src/main.js from the repository, without npm', () => {
    expect(apps).toHaveLength(1);
    const [app] = apps;
    expect(app!.script).toBe('dist/src/main.js');
    expect(app!.interpreter ?? 'node').toBe('node');
    expect(JSON.stringify(app)).not.toMatch(/\bnpm\b/);
    expect(`${app!.cwd}/`).toBe(ROOT);
    expect(app!.instances ?? 1).toBe(1);
    expect(app!.exec_mode ?? 'fork').toBe('fork');
  });

  it('restarts on a crash, not on a configuration error, and gives a stop longer than the bot takes', () => {
    const [app] = apps;
    expect(app!.autorestart).toBe(true);
    expect(app!.stop_exit_codes).toEqual([2]);
    expect(read('src/main.ts')).toMatch(/die\(error\.message, 2\)/);
    // PM2 stops with SIGINT (daemon-wide PM2_KILL_SIGNAL): the bot must drain on it as on SIGTERM.
    expect(read('src/main.ts')).toMatch(/process\.once\('SIGINT', \(\) => shutdown\('SIGINT'\)\)/);
    expect(app!.kill_timeout).toBeGreaterThan(HARD_EXIT_MS);
  });
});
