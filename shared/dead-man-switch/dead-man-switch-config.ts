// The dead-man switch's limits: how old the feed's heartbeat and the marks may be before open orders are
// cancelled and a FEED_STALE breach starts the breaker. Every field has a default applied in code.
import * as z from 'zod';

export const DeadManSwitchConfigSchema = z
  .object({
    /** The feed writes a heartbeat every second; one older than this (or none) means the feed is down. */
    maxHeartbeatAgeSeconds: z.number().int().positive().default(15),
    /**
     * A mark older than this, of a symbol whose market is open, means the prices are frozen. Never below the
     * breaker's feedMaxAgeSeconds (checked in the environment config): a recovery the breaker allows must not
     * be tripped again at once by the dead-man switch.
     */
    maxMarkAgeSeconds: z.number().int().positive().default(60),
    /**
     * While the feed stays stale and the account can no longer trade (HALTED, KILLED), an in-process switch
     * cancels again at most this often: orders that were still in flight at the halt are caught, without a
     * cancel-all to the broker every second.
     */
    recancelSeconds: z.number().int().positive().default(60),
  })
  .strict();
export type DeadManSwitchConfig = z.infer<typeof DeadManSwitchConfigSchema>;

/** The configuration with every default applied (undefined: all defaults). */
export const resolveDeadManSwitchConfig = (partial: z.input<typeof DeadManSwitchConfigSchema> | undefined): DeadManSwitchConfig =>
  DeadManSwitchConfigSchema.parse(partial ?? {});
