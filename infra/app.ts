// CDK entry point: `npx cdk synth -c env=<dev|staging|prod> [-c operators=<file.json>] [-c onCallEmail=<address>]
// [-c onCallWebhookUrl=<https url>] [-c runbookBaseUrl=<https url>]`. One stack per environment, configured from
// shared/config/environments.ts (the operator list and the on-call addresses may come from the context too).
import { pathToFileURL } from 'node:url';
import { App, Tags, type AppProps } from 'aws-cdk-lib';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../shared/config/environments';
import { resolveOperatorPolicy } from '../shared/operators/operator-config';
import { withPageTargets } from '../shared/config/paging';
import { withOperatorsFromContext } from './operators-context';
import { TradingStack } from './trading-stack';

/** `local` is a valid configuration but runs on one machine (npm start), never in AWS. */
export const DEPLOYABLE = ['dev', 'staging', 'prod'] as const;

const deployableConfig = (env: string | EnvironmentConfig): EnvironmentConfig => {
  const name = typeof env === 'string' ? env : env.name;
  if (!(DEPLOYABLE as readonly string[]).includes(name)) {
    throw new Error(`-c env=${name || '<missing>'}: must be one of ${DEPLOYABLE.join(', ')}`);
  }
  return typeof env === 'string' ? loadEnvironmentConfig(env) : env;
};

export const createTradingStack = (app: App, env: string | EnvironmentConfig): TradingStack => {
  const withOperators = withOperatorsFromContext(deployableConfig(env), app.node.tryGetContext('operators'));
  const page = withPageTargets(withOperators.alarms.page, { email: app.node.tryGetContext('onCallEmail'), webhookUrl: app.node.tryGetContext('onCallWebhookUrl') });
  const config: EnvironmentConfig = { ...withOperators, alarms: { ...withOperators.alarms, page } };
  // Before any construct (and any bundling): an environment that must list its operators and does not stops here.
  resolveOperatorPolicy(config);
  const stack = new TradingStack(app, `TradingSafety-${config.name}`, {
    config,
    description: `Trading-safety pipeline (${config.name})`,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Tags.of(stack).add('environment', config.name);
  Tags.of(stack).add('system', 'trading-safety');
  return stack;
};

export const buildApp = (envName: string, props?: AppProps): { app: App; stack: TradingStack } => {
  const app = new App(props);
  return { app, stack: createTradingStack(app, envName) };
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = new App();
  try {
    createTradingStack(app, String(app.node.tryGetContext('env') ?? ''));
  } catch (error) {
    // A one-line reason, not a stack trace: the usual cause is a missing or mistyped -c env=.
    console.error(`TradingSafety: ${(error as Error).message}`);
    process.exit(1);
  }
  app.synth();
}
