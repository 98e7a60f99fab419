// PM2 (README, "Deploy > PM2"): `npm ci && npm run build`, then `pm2 start ecosystem.config.cjs`.
// CommonJS because PM2 loads this file with require() and package.json says "type": "module".
'use strict';

module.exports = {
  apps: [
    {
      name: 'imagine-bot',
      // node directly, never `npm start`: npm does not pass SIGTERM on, and npm start would rebuild.
      script: 'dist/src/main.js',
      interpreter: 'node',
      // The bot reads .env (and data/bot.sqlite) relative to its working directory.
      cwd: __dirname,
      // One process: the queue, the ledger and the caps live in it (shards run inside it, not as PM2 instances).
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      // A configuration error exits 2 with one line naming the variable: restarting cannot fix it.
      stop_exit_codes: [2],
      exp_backoff_restart_delay: 1000,
      // PM2 stops an app with SIGINT (PM2_KILL_SIGNAL for the whole daemon; no per-app setting),
      // which the bot handles like SIGTERM: it drains running generations and exits within 20 s.
      // Give it 25 s before SIGKILL.
      kill_timeout: 25000,
      // The bot's log lines carry their own time (pino).
      time: false,
      env: {
        NODE_ENV: 'production',
      },
    },
  ],
};
