// A strategy's switch as stored and read: ENABLED or DISABLED with who changed it, why and when. A strategy
// never switched has no switch (ENABLED); a stored switch that is unreadable reads as DISABLED (fail closed).
import * as z from 'zod';

export const STRATEGY_SWITCH_STATUSES = ['ENABLED', 'DISABLED'] as const;
export const StrategySwitchStatusSchema = z.enum(STRATEGY_SWITCH_STATUSES);
export type StrategySwitchStatus = z.infer<typeof StrategySwitchStatusSchema>;

/** A strategy's switch as stored: its status and the last change (who, why, when). */
export const StrategySwitchSchema = z.object({
  status: StrategySwitchStatusSchema,
  changedBy: z.string().min(1),
  reason: z.string(),
  /** ISO-8601. */
  changedAt: z.string().min(1),
});
export type StrategySwitch = z.infer<typeof StrategySwitchSchema>;

/** A stored switch as read: one that does not match its schema reads as DISABLED (fail closed: a person looks). */
export const readStrategySwitch = (stored: unknown): StrategySwitch => {
  const parsed = StrategySwitchSchema.safeParse(stored);
  return parsed.success ? parsed.data : { status: 'DISABLED', changedBy: 'unknown', reason: 'the stored switch is unreadable', changedAt: '' };
};

/** Whether the strategy may not trade: its switch is DISABLED (no switch: enabled). */
export const isStrategyDisabled = (stored: StrategySwitch | undefined): boolean => stored?.status === 'DISABLED';
