// A function's answer to its deployment probe (shared/deployment/deploy-probe.ts): an event carrying
// `deployProbe` is validated as a probe and answered by the function's read-only checks, never handled as
// anything else; every other event goes to the handler untouched. The checks every function shares read its
// configuration and the table (each account's trading state: the table's key and the function's grants).
import { awsAdapters } from '../../adapters/aws-wiring';
import { DeployProbeEventSchema, looksLikeProbe, runProbe, type ProbeAnswer } from '../../shared/deployment/deploy-probe';
import { parseOrThrow } from '../../shared/errors/zod-issues';

export type ProbeChecks = Readonly<Record<string, () => Promise<unknown>>>;

/** The function's configuration loads, and the table answers a consistent read for every account. */
export const commonChecks = (): ProbeChecks => ({
  configuration: async () => awsAdapters(),
  table: async () => {
    const { config, stores } = awsAdapters();
    await Promise.all(config.accounts.map((account) => stores.tradingStateStore.getTradingState(account)));
  },
});

export const withDeployProbe =
  <A extends unknown[], R>(fn: string, checks: () => ProbeChecks, handler: (event: unknown, ...rest: A) => Promise<R>) =>
  async (event: unknown, ...rest: A): Promise<R | ProbeAnswer> => {
    if (!looksLikeProbe(event)) return handler(event, ...rest);
    parseOrThrow(DeployProbeEventSchema, event);
    return runProbe(fn, { ...commonChecks(), ...checks() });
  };
