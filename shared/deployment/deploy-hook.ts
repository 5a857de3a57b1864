// A CodeDeploy lifecycle hook of a Lambda deployment: find the function and version the deployment moves its
// alias to, probe it (the new version before traffic, the alias after), and report the verdict to CodeDeploy.
// Invariant: CodeDeploy always hears back: any failure on the way (the deployment unreadable, the invocation
// failing, the probe failing) is reported Failed, which rolls the deployment back; only a passed probe succeeds.
import type { DeployStage, DeployTarget } from './deploy-probe';
import { deployTargetOf, judgeProbe, probeQualifier } from './deploy-probe';

export interface HookEvent {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}

/** The deployment's AppSpec, parsed (CodeDeploy keeps it as JSON or YAML). */
export interface DeploymentReader {
  appSpecOf(deploymentId: string): Promise<unknown>;
}

export interface FunctionInvoker {
  invoke(functionName: string, qualifier: string, payload: string): Promise<{ functionError?: string | undefined; payload: string }>;
}

export interface HookReporter {
  report(deploymentId: string, executionId: string, status: 'Succeeded' | 'Failed'): Promise<void>;
}

export interface DeployHookDeps {
  stage: DeployStage;
  deployments: DeploymentReader;
  functions: FunctionInvoker;
  reporter: HookReporter;
  log: { info(message: string, attributes: Record<string, unknown>): void; error(message: string, attributes: Record<string, unknown>): void };
}

export interface HookOutcome {
  status: 'Succeeded' | 'Failed';
  target?: DeployTarget;
  detail: string;
}

export const runDeployHook = async (deps: DeployHookDeps, event: HookEvent): Promise<HookOutcome> => {
  const outcome = await verdictOf(deps, event);
  const log = outcome.status === 'Succeeded' ? deps.log.info.bind(deps.log) : deps.log.error.bind(deps.log);
  log(`deployment ${deps.stage} check ${outcome.status}`, { deploymentId: event.DeploymentId, ...outcome });
  // Reporting is the one step that must not be skipped: an unreported hook holds the deployment for an hour.
  await deps.reporter.report(event.DeploymentId, event.LifecycleEventHookExecutionId, outcome.status);
  return outcome;
};

const verdictOf = async (deps: DeployHookDeps, event: HookEvent): Promise<HookOutcome> => {
  let target: DeployTarget;
  try {
    target = deployTargetOf(await deps.deployments.appSpecOf(event.DeploymentId));
  } catch (error) {
    return { status: 'Failed', detail: `the deployment's target could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  const payload = JSON.stringify({ deployProbe: { deploymentId: event.DeploymentId, stage: deps.stage } });
  try {
    const answer = await deps.functions.invoke(target.functionName, probeQualifier(target, deps.stage), payload);
    const verdict = judgeProbe(answer);
    return verdict.ok ? { status: 'Succeeded', target, detail: verdict.summary } : { status: 'Failed', target, detail: verdict.reason };
  } catch (error) {
    return { status: 'Failed', target, detail: `the probe could not be invoked: ${error instanceof Error ? error.message : String(error)}` };
  }
};
