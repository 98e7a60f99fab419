#!/usr/bin/env bash
# The Dockerfile's steps done by hand, for a machine without a Docker daemon (README, "Deploy").
# Each stage runs in its own clean folder as uid 1000 (the image's `node` user), from a build context
# made the way Docker makes it (the repository's files minus .dockerignore). The assembled runtime
# folder is root-owned except data/ and outputs/; the bot runs there under tini against the local
# Discord and relay stand-ins: /healthz must answer 200 through the image's own HEALTHCHECK command,
# one /imagine must be delivered, and SIGTERM must stop it within 20 s.
#
#   sudo bash deploy/dry-run.sh         (needs root for setpriv/chown; node 20, npm, tini, setpriv)
#   KEEP=1 keeps the work folder; DRY_RUN_DIR=/path chooses it.
#
# What it cannot show: the image itself (its base layers, apt-get, Docker's COPY and VOLUME), compose,
# Prometheus and Grafana. better-sqlite3 is compiled here (this machine reaches no prebuilt-binary host);
# in a Docker build its install script downloads the prebuilt binary first.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${DRY_RUN_DIR:-$(mktemp -d /tmp/imagine-dry-run.XXXXXX)}
APP_UID=1000
NODE_HEADERS=${NODE_HEADERS:-/usr} # npm_config_nodedir: the image uses /usr/local, Debian's nodejs /usr
PIDS=()

say() { printf 'dry-run: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -z "${KEEP:-}" ]]; then rm -rf "$WORK"; else say "kept $WORK"; fi
}
trap cleanup EXIT
# A command as the image's user: no root, a clean environment, its own npm cache. An array, not a
# function, so that `"${AS_APP[@]}" node … &` leaves $! the process itself (setpriv and env exec).
AS_APP=(setpriv --reuid="$APP_UID" --regid="$APP_UID" --clear-groups
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$WORK/home" npm_config_nodedir="$NODE_HEADERS")
seconds_since() { node -e "console.log(((Date.now() - $1) / 1000).toFixed(1))"; }
now_ms() { node -e 'console.log(Date.now())'; }

[[ $(id -u) == 0 ]] || fail "run as root (it switches to uid $APP_UID with setpriv)"
command -v tini >/dev/null || fail "tini is missing: apt-get install tini"
mkdir -p "$WORK"/{context,build,deps,app,home}
chown "$APP_UID:$APP_UID" "$WORK/build" "$WORK/deps" "$WORK/home"
chmod 755 "$WORK"
say "work folder $WORK"

# 1. The build context: git's files (tracked, and new ones not gitignored) minus .dockerignore,
#    matched as Docker does (from the root; a matching folder takes its contents; ** any depth).
(
  cd "$REPO"
  git ls-files -z --cached --others --exclude-standard | node --no-warnings -e '
    const { readFileSync, existsSync, mkdirSync, copyFileSync } = require("node:fs");
    const { dirname, join, matchesGlob } = require("node:path");
    const rules = readFileSync(".dockerignore", "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
      .map((l) => (l.startsWith("!") ? { keep: true, glob: l.slice(1) } : { keep: false, glob: l }));
    const ignored = (file) => {
      const parts = file.split("/");
      const paths = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
      let out = false;
      for (const rule of rules) if (paths.some((p) => matchesGlob(p, rule.glob))) out = !rule.keep;
      return out;
    };
    const files = readFileSync(0, "utf8").split("\0").filter((f) => f && existsSync(f) && !ignored(f));
    for (const file of files) {
      const target = join(process.argv[1], file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    }
    console.error(`dry-run: build context: ${files.length} files`);
  ' "$WORK/context"
)
chown -R "$APP_UID:$APP_UID" "$WORK/context"

# 2. Stage `build`: npm ci --ignore-scripts, the sources, npm run build.
start=$(now_ms)
cp "$WORK/context/package.json" "$WORK/context/package-lock.json" "$WORK/build/"
chown "$APP_UID:$APP_UID" "$WORK/build/"*
(cd "$WORK/build" && "${AS_APP[@]}" npm ci --ignore-scripts --no-audit --no-fund >&2)
cp -a "$WORK/context/." "$WORK/build/"
(cd "$WORK/build" && "${AS_APP[@]}" npm run build >&2)
[[ -f "$WORK/build/dist/src/main.js" ]] || fail "npm run build made no dist/src/main.js"
say "stage build: npm ci + npm run build in $(seconds_since "$start") s"

# 3. Stage `prod-deps`: production dependencies only, better-sqlite3's install script run.
start=$(now_ms)
cp "$WORK/context/package.json" "$WORK/context/package-lock.json" "$WORK/deps/"
chown "$APP_UID:$APP_UID" "$WORK/deps/"*
(cd "$WORK/deps" && "${AS_APP[@]}" npm ci --omit=dev --ignore-scripts --no-audit --no-fund >&2 && "${AS_APP[@]}" npm rebuild better-sqlite3 >&2)
say "stage prod-deps: npm ci --omit=dev + npm rebuild better-sqlite3 in $(seconds_since "$start") s"

# 4. Stage `runtime`: root-owned code, data/ and outputs/ owned by the app user.
cp "$WORK/context/package.json" "$WORK/context/package-lock.json" "$WORK/app/"
cp -a "$WORK/deps/node_modules" "$WORK/app/node_modules"
cp -a "$WORK/build/dist" "$WORK/app/dist"
chown -R root:root "$WORK/app"
mkdir -p "$WORK/app/data" "$WORK/app/outputs"
chown "$APP_UID:$APP_UID" "$WORK/app/data" "$WORK/app/outputs"
# Packages the lockfile marks dev-only (typescript, vitest, …; not e.g. ws, which discord.js needs too).
for dev in $(node -p 'Object.entries(require(process.argv[1]).packages).filter(([path, entry]) => entry.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path)).map(([path]) => path.slice(13)).join(" ")' "$WORK/app/package-lock.json"); do
  [[ ! -e "$WORK/app/node_modules/$dev" ]] || fail "dev dependency $dev is in the runtime node_modules"
done
say "runtime folder: node_modules $(du -sh "$WORK/app/node_modules" | cut -f1), dist $(du -sh "$WORK/app/dist" | cut -f1), no dev-only package"
if (cd "$WORK/app" && "${AS_APP[@]}" touch dist/written 2>/dev/null); then fail "the app user can write its own code"; fi
(cd "$WORK/app" && "${AS_APP[@]}" touch data/written outputs/written && rm data/written outputs/written) || fail "the app user cannot write data/ and outputs/"
say "the app user can write data/ and outputs/ and nothing else in the app folder"

# 5. The stand-ins, run from the build folder (they need dev dependencies: ws).
"${AS_APP[@]}" node "$WORK/build/dist/test/fakes/relay/main.js" --latency 3000 >"$WORK/relay.url" 2>"$WORK/relay.log" &
PIDS+=($!)
cat >"$WORK/discord-fake.mjs" <<'EOF'
// The Discord stand-in for the dry run: prints {apiBase, token}, then once the bot is READY sends
// one /imagine and prints `delivered NAME BYTES` when the result message has its attachment; then a
// second one, printing `second acknowledged` (the shell stops the bot while it runs) and how it ended.
const { startDiscordFake } = await import(process.argv[2]);
const discord = await startDiscordFake();
console.log(JSON.stringify({ apiBase: discord.apiBase, token: discord.token }));
process.once('SIGTERM', () => discord.close().then(() => process.exit(0)));
await discord.waitForReady(60_000);
const imagine = (prompt) => discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }] });
const handle = imagine('a lighthouse at dusk');
const ack = await handle.waitForCallback(3000);
console.log(`acknowledged type ${ack.type} in ${ack.at - handle.dispatchedAt} ms`);
await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 60_000);
const [attachment] = handle.original().attachments;
console.log(`delivered ${attachment.filename} ${attachment.size}`);
const second = imagine('a harbour at dawn');
await second.waitForCallback(3000);
console.log('second acknowledged');
await second.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 || (state.original?.embeds.length ?? 0) > 0, 30_000);
const ended = second.original();
console.log(`second ended: ${ended.attachments.length > 0 ? `delivered ${ended.attachments[0].filename}` : `told: ${JSON.stringify(ended.embeds[0]?.title ?? ended.embeds[0]?.description ?? ended.content)}`}`);
EOF
"${AS_APP[@]}" node "$WORK/discord-fake.mjs" "$WORK/build/dist/test/fakes/discord/index.js" >"$WORK/discord.out" 2>"$WORK/discord.log" &
PIDS+=($!)
for _ in $(seq 100); do [[ -s "$WORK/relay.url" && -s "$WORK/discord.out" ]] && break; sleep 0.1; done
RELAY_URL=$(head -1 "$WORK/relay.url")
DISCORD_API=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).apiBase' "$WORK/discord.out")
DISCORD_TOKEN=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).token' "$WORK/discord.out")
RELAY_KEY=$(node --input-type=module -e 'console.log((await import(process.argv[1])).DEFAULT_API_KEY)' "$WORK/build/dist/test/fakes/relay/settings.js")
PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
say "relay stand-in $RELAY_URL, Discord stand-in $DISCORD_API, metrics port $PORT"

# 6. The bot as the image runs it: tini -- node dist/src/main.js, as the app user, in the app folder,
#    with the image's environment (METRICS_HOST loopback here: nothing outside needs to scrape it).
start=$(now_ms)
# TINI_SUBREAPER: here tini is not PID 1, so it registers as the reaper of orphans instead.
(cd "$WORK/app" && exec "${AS_APP[@]}" TINI_SUBREAPER=1 NODE_ENV=production METRICS_PORT="$PORT" METRICS_HOST=127.0.0.1 \
  DISCORD_TOKEN="$DISCORD_TOKEN" DISCORD_API_BASE_URL="$DISCORD_API" IMAGE_API_BASE_URL="$RELAY_URL" IMAGE_API_KEY="$RELAY_KEY" \
  /usr/bin/tini -- node dist/src/main.js) 2>"$WORK/bot.log" &
BOT=$!
PIDS+=($BOT)

# The Dockerfile's HEALTHCHECK command, word for word.
mapfile -d '' HEALTHCHECK < <(node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8").replace(/\\\r?\n/g, " ");
  const json = /^HEALTHCHECK .*?\bCMD (\[.*\])\s*$/m.exec(text)[1];
  process.stdout.write(JSON.parse(json).join("\0") + "\0");
' "$REPO/Dockerfile")
[[ ${#HEALTHCHECK[@]} -ge 2 && ${HEALTHCHECK[0]} == node ]] || fail "could not read the HEALTHCHECK command from the Dockerfile"
healthy=""
for _ in $(seq 150); do
  if (cd "$WORK/app" && "${AS_APP[@]}" METRICS_PORT="$PORT" "${HEALTHCHECK[@]}"); then healthy=1; break; fi
  kill -0 "$BOT" 2>/dev/null || { tail -20 "$WORK/bot.log" >&2; fail "the bot exited during start-up"; }
  sleep 0.2
done
[[ -n "$healthy" ]] || { tail -20 "$WORK/bot.log" >&2; fail "/healthz did not answer 200 within 30 s"; }
online=$(node -e 'const line = require("fs").readFileSync(process.argv[1], "utf8").split("\n").find((l) => l.includes("\"bot is online\""));
  console.log(line ? ((Date.parse(JSON.parse(line).time) - Number(process.argv[2])) / 1000).toFixed(2) : "?")' "$WORK/bot.log" "$start")
say "bot is online (READY from the Discord stand-in) $online s after start"
say "HEALTHCHECK passed $(seconds_since "$start") s after start: $(node -e 'fetch(process.argv[1]).then(async (r) => console.log(r.status, await r.text()))' "http://127.0.0.1:$PORT/healthz")"
node -e 'fetch(process.argv[1]).then(async (r) => {
  const families = [...(await r.text()).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
  console.log(r.status, `${families.length} metric families:`, families.filter((f) => f.startsWith("imagine_") || f === "process_resident_memory_bytes").join(" "));
})' "http://127.0.0.1:$PORT/metrics" | sed 's/^/dry-run: GET \/metrics: /' >&2

for _ in $(seq 600); do grep -q '^delivered ' "$WORK/discord.out" && break; sleep 0.1; done
grep -q '^delivered ' "$WORK/discord.out" || { tail -20 "$WORK/bot.log" "$WORK/discord.log" >&2; fail "no /imagine result within 60 s"; }
sed -n '2,3p' "$WORK/discord.out" | sed 's/^/dry-run: \/imagine: /' >&2
[[ $(stat -c %u "$WORK/app/data/bot.sqlite") == "$APP_UID" ]] || fail "data/bot.sqlite is not the app user's"
say "data/bot.sqlite written by uid $APP_UID ($(stat -c %s "$WORK/app/data/bot.sqlite") bytes)"

# 7. SIGTERM to tini (PID 1 in the container), as `docker stop` sends it, while a generation runs
#    (the relay stand-in takes 3 s): the bot must finish or settle it, and exit within 20 s.
for _ in $(seq 100); do grep -q '^second acknowledged' "$WORK/discord.out" && break; sleep 0.1; done
grep -q '^second acknowledged' "$WORK/discord.out" || fail "the second /imagine was not acknowledged"
sleep 0.5
running=$(node -e 'fetch(process.argv[1]).then(async (r) => console.log(JSON.parse(await r.text()).running))' "http://127.0.0.1:$PORT/healthz")
say "stopping the bot with $running generation(s) running"
start=$(now_ms)
kill -TERM "$BOT"
code=0
wait "$BOT" || code=$?
took=$(seconds_since "$start")
say "SIGTERM: exit code $code after $took s; the bot's last lines:"
tail -3 "$WORK/bot.log" | cut -c1-200 | sed 's/^/  /' >&2
[[ $code == 0 ]] || fail "the bot exited $code after SIGTERM"
node -e 'process.exit(Number(process.argv[1]) < 20 ? 0 : 1)' "$took" || fail "SIGTERM took $took s (limit 20 s)"
for _ in $(seq 50); do grep -q '^second ended' "$WORK/discord.out" && break; sleep 0.1; done
say "the generation running at SIGTERM: $(grep '^second ended' "$WORK/discord.out" || echo 'no answer in Discord')"
say "all steps passed"
