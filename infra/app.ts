// CDK entry point: `npx cdk synth -c env=<dev|staging|prod> [-c operators=<file.json>] [-c onCallEmail=<address>]
// [-c onCallWebhookUrl=<https url>] [-c runbookBaseUrl=<https url>]`. One stack per environment, configured from
// shared/config/environments.ts (the operator list and the on-call addresses may come from the context too).
// `npx cdk synth -c pipeline=<file.json>` synthesizes the deployment pipeline instead (infra/pipeline-stack.ts).
import { pathToFileURL } from 'node:url';
import { App, type AppProps, type Stage } from 'aws-cdk-lib';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../shared/config/environments';
import { resolveOperatorPolicy } from '../shared/operators/operator-config';
import { withPageTargets } from '../shared/config/paging';
import { withOperatorsFromContext } from './operators-context';
import { TradingStack } from './trading-stack';
import type { TradingStackSettings } from './trading-stage';
import { createPipelineStack } from './pipeline-stack';
import { tagForCostAllocation } from './cost-allocation';
import { addPolicyChecks } from './policy-checks';

/** `local` is a valid configuration but runs on one machine (npm start), never in AWS. */
export const DEPLOYABLE = ['dev', 'staging', 'prod'] as const;

const deployableConfig = (env: string | EnvironmentConfig): EnvironmentConfig => {
  const name = typeof env === 'string' ? env : env.name;
  if (!(DEPLOYABLE as readonly string[]).includes(name)) {
    throw new Error(`-c env=${name || '<missing>'}: must be one of ${DEPLOYABLE.join(', ')}`);
  }
  return typeof env === 'string' ? loadEnvironmentConfig(env) : env;
};

/** What `cdk deploy -c env=<e>` is given besides the environment: the operator list and the on-call addresses. */
const settingsFromContext = (app: Stage): TradingStackSettings => ({
  operators: app.node.tryGetContext('operators'),
  onCallEmail: app.node.tryGetContext('onCallEmail'),
  onCallWebhookUrl: app.node.tryGetContext('onCallWebhookUrl'),
});

/** The environment's stack in an App (`cdk deploy`) or in a pipeline's Stage (TradingStage), the same either way. */
export const createTradingStack = (app: Stage, env: string | EnvironmentConfig, settings: TradingStackSettings = settingsFromContext(app)): TradingStack => {
  const withOperators = withOperatorsFromContext(deployableConfig(env), settings.operators);
  const page = withPageTargets(withOperators.alarms.page, { email: settings.onCallEmail, webhookUrl: settings.onCallWebhookUrl });
  const config: EnvironmentConfig = { ...withOperators, alarms: { ...withOperators.alarms, page } };
  // Before any construct (and any bundling): an environment that must list its operators and does not stops here.
  resolveOperatorPolicy(config);
  const stack = new TradingStack(app, `TradingSafety-${config.name}`, {
    config,
    description: `Trading-safety pipeline (${config.name})`,
    env: settings.env ?? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    // In a pipeline stage the default name would be `<stage>-TradingSafety-<env>`: keep the name `cdk deploy` gives, so
    // `tsp --env` finds it, and a pipeline never stands up a second trading stack beside one deployed by hand.
    ...(App.isApp(app) ? {} : { stackName: `TradingSafety-${config.name}` }),
  });
  tagForCostAllocation(stack, config);
  // cdk-nag's AwsSolutions and NIST 800-53 rev 5 packs judge the stack at every synthesis (infra/policy-checks.ts).
  addPolicyChecks(stack);
  return stack;
};

export const buildApp = (envName: string, props?: AppProps): { app: App; stack: TradingStack } => {
  const app = new App(props);
  return { app, stack: createTradingStack(app, envName) };
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = new App();
  try {
    const pipelineFile: unknown = app.node.tryGetContext('pipeline');
    if (pipelineFile) createPipelineStack(app, String(pipelineFile), createTradingStack);
    else createTradingStack(app, String(app.node.tryGetContext('env') ?? ''));
  } catch (error) {
    // A one-line reason, not a stack trace: the usual cause is a missing or mistyped -c env=.
    console.error(`TradingSafety: ${(error as Error).message}`);
    process.exit(1);
  }
  app.synth();
}
