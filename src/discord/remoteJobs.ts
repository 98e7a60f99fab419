// Shared mode (several processes on one PostgreSQL): the two things the shared queue asks of this
// process about jobs it did not admit. `adopt`: a job admitted elsewhere whose turn came here, run
// exactly like a local one, reported through the stored interaction token (storedInteraction.ts).
// `leaseExpired`: a job whose process died while running it (its lease ran out), closed by the
// recovery rule and its member told once — only the process whose takeover won is asked.
import type { Client } from 'discord.js';
import { log } from '../log.js';
import type { JobRunner } from '../queue/index.js';
import type { BotContext } from './context.js';
import { DiscordReporter } from './discordReporter.js';
import { tellRecoveredUsers } from './jobRecovery.js';
import { StoredInteraction } from './storedInteraction.js';

export interface RemoteJobs {
  adopt(jobId: number): JobRunner | undefined;
  leaseExpired(jobId: number, wasRunning: boolean): Promise<void>;
}

export function remoteJobs(ctx: BotContext, client: Client<true>): RemoteJobs {
  return {
    adopt(jobId) {
      const row = ctx.jobStore.get(jobId);
      if (!row || (row.state !== 'queued' && row.state !== 'running')) return undefined;
      const restored = ctx.generation.restore(row);
      if (!restored.ok) {
        log.warn('cannot run a request admitted by another process here', { job: jobId, admittedBy: row.admittedBy, reason: restored.reason });
        return undefined;
      }
      const { admitted } = restored;
      const interaction = new StoredInteraction(client, admitted.origin);
      const reporter = new DiscordReporter({ interaction, prepared: admitted.prepared, generationId: admitted.record.usageId, notes: admitted.notes, spoiler: admitted.spoiler });
      log.info('running a request admitted by another process', { job: jobId, generationId: admitted.record.usageId, admittedBy: row.admittedBy });
      return ctx.generation.claimed(admitted, reporter);
    },

    async leaseExpired(jobId, wasRunning) {
      const recovered = ctx.generation.recoverOne(jobId, wasRunning);
      // Closed already (another caller, or it finished after all): nothing to tell.
      if (!recovered) return;
      log.warn('closed a request whose process stopped', { job: jobId, wasRunning: recovered.wasRunning, outcome: recovered.settled.outcome, charge: recovered.settled.charge });
      // Followed like a handler, so a shutdown waits for the message.
      await ctx.handlers.follow(tellRecoveredUsers(client, [recovered]));
    },
  };
}
