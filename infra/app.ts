// CDK entry point: `npx cdk synth -c env=<dev|staging|prod>`. One stack per environment, configured from
// shared/config/environments.ts.
import { App, Tags, type AppProps } from 'aws-cdk-lib';
import { loadEnvironmentConfig } from '../shared/config/environments';
import { TradingStack } from './trading-stack';

export const DEPLOYABLE = ['dev', 'staging', 'prod'] as const;

export const createTradingStack = (app: App, envName: string): TradingStack => {
  if (!(DEPLOYABLE as readonly string[]).includes(envName)) {
    throw new Error(`-c env=${envName || '<missing>'}: must be one of ${DEPLOYABLE.join(', ')}`);
  }
  const config = loadEnvironmentConfig(envName);
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = new App();
  createTradingStack(app, String(app.node.tryGetContext('env') ?? ''));
  app.synth();
}
