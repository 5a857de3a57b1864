// Environment configuration: one validated document per environment, read by the CDK app, the handlers
// and the local runtime alike. Risk limits here are the defaults; per-account overrides live in the table.
import { z } from 'zod';
import { PositiveDecimalStringSchema } from '../money/decimal';
import { AccountIdSchema } from '../events/ids';

export const ENVIRONMENT_NAMES = ['local', 'dev', 'staging', 'prod'] as const;
export const EnvironmentNameSchema = z.enum(ENVIRONMENT_NAMES);
export type EnvironmentName = z.infer<typeof EnvironmentNameSchema>;

export const RiskLimitsSchema = z
  .object({
    maxOrderNotional: PositiveDecimalStringSchema,
    orderRate: z
      .object({
        maxOrders: z.number().int().positive(),
        windowMs: z.number().int().min(100).max(3_600_000),
      })
      .strict(),
  })
  .strict();
export type RiskLimits = z.infer<typeof RiskLimitsSchema>;

/** A per-account override may replace any part of the defaults. */
export const RiskLimitsOverrideSchema = z
  .object({
    maxOrderNotional: PositiveDecimalStringSchema.optional(),
    orderRate: RiskLimitsSchema.shape.orderRate.optional(),
  })
  .strict();
export type RiskLimitsOverride = z.infer<typeof RiskLimitsOverrideSchema>;

export const EnvironmentConfigSchema = z
  .object({
    name: EnvironmentNameSchema,
    accounts: z.array(AccountIdSchema).min(1),
    riskLimits: RiskLimitsSchema,
    deployment: z
      .object({
        /** CodeDeploy traffic shifting for every function alias. */
        strategy: z.enum(['all-at-once', 'canary-10-percent-5-minutes']),
      })
      .strict(),
    reconciliation: z.object({ scheduleMinutes: z.number().int().positive() }).strict(),
    alarms: z
      .object({
        /** Function errors in one minute that roll a deployment back and page on-call. */
        functionErrorsPerMinute: z.number().int().positive(),
        onCallEmail: z.string().email().optional(),
      })
      .strict(),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    /** Keep the table when the stack is deleted (always in prod: state and audit are records). */
    retainData: z.boolean(),
  })
  .strict();
export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;

const base = {
  accounts: ['paper-1'],
  riskLimits: { maxOrderNotional: '250000', orderRate: { maxOrders: 20, windowMs: 1000 } },
  reconciliation: { scheduleMinutes: 1 },
  alarms: { functionErrorsPerMinute: 1 },
} satisfies Partial<EnvironmentConfig>;

const ENVIRONMENTS: Record<EnvironmentName, EnvironmentConfig> = {
  local: { ...base, name: 'local', deployment: { strategy: 'all-at-once' }, logLevel: 'WARN', retainData: false },
  dev: { ...base, name: 'dev', deployment: { strategy: 'all-at-once' }, logLevel: 'DEBUG', retainData: false },
  staging: {
    ...base,
    name: 'staging',
    deployment: { strategy: 'canary-10-percent-5-minutes' },
    logLevel: 'INFO',
    retainData: true,
  },
  prod: {
    ...base,
    name: 'prod',
    riskLimits: { maxOrderNotional: '100000', orderRate: { maxOrders: 10, windowMs: 1000 } },
    deployment: { strategy: 'canary-10-percent-5-minutes' },
    logLevel: 'INFO',
    retainData: true,
  },
};

export const loadEnvironmentConfig = (name: string): EnvironmentConfig => {
  const parsed = EnvironmentNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new Error(`unknown environment "${name}": must be one of ${ENVIRONMENT_NAMES.join(', ')}`);
  }
  return EnvironmentConfigSchema.parse(ENVIRONMENTS[parsed.data]);
};
