// One environment as a pipeline stage: a Stage holding the environment's TradingStack, built by the function
// `cdk deploy -c env=<e>` uses (passed in by infra/app.ts), so the pipeline deploys the stack a team deploys by hand.
import { Stage, type CfnOutput, type Environment } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PipelineEnvironment } from '../shared/config/pipeline';
import type { TradingStack } from './trading-stack';

/** What `cdk deploy` reads from `-c operators`, `-c onCallEmail` and `-c onCallWebhookUrl`, given per environment. */
export interface TradingStackSettings {
  operators?: unknown;
  onCallEmail?: unknown;
  onCallWebhookUrl?: unknown;
  /** Where the stack is deployed; absent, the CLI's account and region (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION). */
  env?: Environment;
}

/** infra/app.ts's createTradingStack: taken as a value so this module does not import the entry point. */
export type TradingStackFactory = (scope: Stage, env: string, settings: TradingStackSettings) => TradingStack;

export interface TradingStageProps {
  environment: PipelineEnvironment;
  env: Required<Pick<Environment, 'account' | 'region'>>;
  /** The account's zones in the region, so the stack's VPC needs no lookup in the account at synth. */
  availabilityZones: string[];
  settings: Omit<TradingStackSettings, 'env'>;
  createStack: TradingStackFactory;
}

export class TradingStage extends Stage {
  readonly stack: TradingStack;

  constructor(scope: Construct, id: string, props: TradingStageProps) {
    super(scope, id, { env: props.env });
    // Where CDK keeps a lookup's answer (cdk.context.json's key); set before the stack exists, which reads it.
    this.node.setContext(`availability-zones:account=${props.env.account}:region=${props.env.region}`, props.availabilityZones);
    this.stack = props.createStack(this, props.environment, { ...props.settings, env: props.env });
  }

  /** The stack output `KillSwitchApiUrl`, for a step after the deploy (envFromCfnOutputs). */
  get killSwitchApiUrl(): CfnOutput {
    return this.stack.killSwitchApi.urlOutput;
  }
}
