// Deployment hook function: CodeDeploy invokes it before a trading function's new version takes traffic
// (DEPLOY_HOOK_STAGE=pre-traffic: it probes the new version) and after (post-traffic: it probes the live alias);
// the verdict goes back to CodeDeploy, and a failed one rolls the deployment back (shared/deployment/deploy-hook.ts).
import * as z from 'zod';
import { awsDeployHookClients } from '../../adapters/aws/deploy-hook-clients';
import { DEPLOY_STAGES } from '../../shared/deployment/deploy-probe';
import { runDeployHook, type DeployHookDeps, type HookOutcome } from '../../shared/deployment/deploy-hook';
import { createLogger } from '../support/handler-support';

export const HookEventSchema = z.object({ DeploymentId: z.string().min(1), LifecycleEventHookExecutionId: z.string().min(1) });
const StageSchema = z.enum(DEPLOY_STAGES, { error: `DEPLOY_HOOK_STAGE must be one of ${DEPLOY_STAGES.join(', ')}` });

export const createDeployHookHandler =
  (deps: () => DeployHookDeps) =>
  async (event: unknown): Promise<HookOutcome> =>
    // A malformed event has no execution id to report on: throwing is all that is left (CodeDeploy then times out and fails).
    runDeployHook(deps(), HookEventSchema.parse(event));

let awsDeps: DeployHookDeps | undefined;
const fromEnvironment = (): DeployHookDeps => {
  awsDeps ??= { stage: StageSchema.parse(process.env.DEPLOY_HOOK_STAGE), ...awsDeployHookClients(), log: createLogger('deploy-hook') };
  return awsDeps;
};

export const handler = createDeployHookHandler(fromEnvironment);
