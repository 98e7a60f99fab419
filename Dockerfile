# syntax=docker/dockerfile:1
# The bot as a container: `docker build -t imagine-bot .` (README, "Deploy").
# Three stages so the image holds neither the TypeScript compiler nor a C++ toolchain: `build`
# compiles with the dev dependencies, `prod-deps` installs the production ones only, and `runtime`
# takes the compiled dist/ and the production node_modules and nothing else.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# tsc needs no native module, so no install script has to run here (better-sqlite3's would fetch
# or compile a binary this stage never loads).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
# better-sqlite3 is the one production dependency with an install script (package.json
# allowScripts): it downloads a prebuilt linux glibc binary, and compiles from source with these
# tools and the image's own Node headers when none matches. sharp ships its binary as an npm package.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# --ignore-scripts then a rebuild of the allowed package: the project's own lifecycle scripts
# (build steps) need dev tools that --omit=dev leaves out.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 passes SIGTERM on to node and reaps zombies; node as PID 1 would not get the
# kernel's default signal handling. Debian's package, so nothing is fetched from elsewhere.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    METRICS_PORT=9464 \
    METRICS_HOST=0.0.0.0
# Code and dependencies stay root-owned (the bot cannot rewrite itself); only the two folders it
# writes belong to the `node` user the image ships (uid 1000).
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p data outputs && chown node:node data outputs
VOLUME ["/app/data", "/app/outputs"]
USER node
EXPOSE 9464
# Node itself asks /healthz (slim images have no curl): 200 while the gateway session is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || 9464) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, never `npm start`: npm does not pass SIGTERM on, and the bot needs it to drain
# (it exits within 20 s; give `docker stop` 25 s: --stop-timeout 25, compose stop_grace_period).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
